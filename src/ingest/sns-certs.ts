import { X509Certificate } from 'node:crypto'
import type { Clock } from '../lib/clock'
import { snsMessage } from '../verify/aws-sns'
import { FetchBudget } from './fetch-budget'
import type { RemoteGet } from './remote'

const TTL_MS = 24 * 60 * 60 * 1000
const FAILURE_TTL_MS = 60 * 1000
const MAX_ENTRIES = 64
const NONE: ReadonlyMap<string, string> = new Map()

interface Entry {
	pem: string | null
	until: number
}

/**
 * SNS signing certificates by URL, fetched on first use and kept for a day
 * (AWS rotates them rarely and announces the new URL in each message), so the
 * `aws_sns` verifier gets them as plain material and stays pure. Only URLs the
 * source's host pattern trusts are fetched; a failed fetch is remembered for
 * a minute so a flood of forged messages cannot turn into a flood of GETs.
 */
export class SnsCertCache {
	readonly #entries = new Map<string, Entry>()
	readonly #loading = new Map<string, Promise<string | null>>()

	readonly #budget: FetchBudget

	constructor(
		private readonly get: RemoteGet,
		private readonly clock: Clock,
		budget?: FetchBudget
	) {
		// A region's certificate changes about yearly: 10 new URLs a minute per host is plenty.
		this.#budget = budget ?? new FetchBudget(10, 2, () => clock.now())
	}

	/** The certificate the message names, as `{url → PEM}`; empty when untrusted or unavailable. */
	async material(body: Uint8Array, config: Record<string, unknown>): Promise<ReadonlyMap<string, string>> {
		const parsed = snsMessage(body, config)
		if (parsed === null) return NONE
		const url = parsed.certUrl.href
		const pem = await this.#load(url)
		return pem === null ? NONE : new Map([[url, pem]])
	}

	async #load(url: string): Promise<string | null> {
		const now = this.clock.now()
		const entry = this.#entries.get(url)
		if (entry && entry.until > now) return entry.pem
		const pending = this.#loading.get(url)
		if (pending) return pending
		// Over budget: nothing is cached, so the URL is tried again once the budget allows.
		const load = this.#budget.run(new URL(url).host, () => this.#fetch(url)).finally(() => this.#loading.delete(url))
		this.#loading.set(url, load)
		return load
	}

	async #fetch(url: string): Promise<string | null> {
		let pem: string | null = null
		try {
			const text = await this.get(new URL(url))
			const cert = new X509Certificate(text)
			const now = this.clock.now()
			// An expired or not-yet-valid certificate signs nothing.
			if (Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo)) pem = text
		} catch {
			pem = null
		}
		if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear()
		this.#entries.set(url, { pem, until: this.clock.now() + (pem === null ? FAILURE_TTL_MS : TTL_MS) })
		return pem
	}
}
