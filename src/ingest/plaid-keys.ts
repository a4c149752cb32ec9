import type { Clock } from '../lib/clock'
import type { VerifySettings } from '../verify/types'
import { FetchBudget } from './fetch-budget'
import type { RemoteGet } from './remote'

const HOSTS: Record<string, string> = { production: 'https://production.plaid.com', sandbox: 'https://sandbox.plaid.com' }
const KID = /^[A-Za-z0-9_-]{1,128}$/
const FAILURE_TTL_MS = 60 * 1000
// A current key is re-read daily, so one Plaid retires (sets expired_at) stops verifying.
const KEY_TTL_MS = 24 * 60 * 60 * 1000
const MAX_ENTRIES = 256
const NONE: ReadonlyMap<string, string> = new Map()

interface Entry {
	jwk: string | null
	/** A found key is kept a day, or until its `expired_at` if sooner. */
	until: number
}

/** The `kid` of a compact JWS header, read without trusting anything else in it. */
function kidOf(token: string | null): string | null {
	const header = token?.replace(/^Bearer\s+/i, '').split('.')[0]
	if (!header) return null
	try {
		const kid = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: unknown }).kid
		return typeof kid === 'string' && KID.test(kid) ? kid : null
	} catch {
		return null
	}
}

/**
 * Plaid webhook verification keys, fetched by the JWT's `kid` from Plaid's
 * `/webhook_verification_key/get` with the source's client id and secret, as
 * Plaid's docs describe: cached per kid, a new kid (rotation) fetched on first
 * sight, a key with a past `expired_at` dropped, failures remembered for a
 * minute. The `jwt` verifier gets the key as material and stays pure.
 */
export class PlaidKeyCache {
	readonly #entries = new Map<string, Entry>()

	readonly #budget: FetchBudget

	constructor(
		private readonly post: RemoteGet,
		private readonly clock: Clock,
		budget?: FetchBudget
	) {
		// The key id comes from the unauthenticated request and each lookup spends the user's Plaid credentials.
		this.#budget = budget ?? new FetchBudget(10, 2, () => clock.now())
	}

	async material(headers: Headers, settings: VerifySettings): Promise<ReadonlyMap<string, string>> {
		const kid = kidOf(headers.get(settings.header ?? 'Plaid-Verification'))
		const host = HOSTS[String(settings.config.plaid_environment ?? 'production')]
		const clientId = settings.config.plaid_client_id
		const secret = settings.secrets.find((s) => s !== '')
		if (kid === null || host === undefined || typeof clientId !== 'string' || secret === undefined) return NONE
		const cacheKey = `${host} ${clientId} ${kid}`
		const now = this.clock.now()
		let entry = this.#entries.get(cacheKey)
		if (!entry || entry.until <= now) {
			const fetched = await this.#budget.run(`${host} ${clientId}`, () => this.#fetch(host, clientId, secret, kid))
			if (fetched === null) return NONE
			entry = fetched
			if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear()
			this.#entries.set(cacheKey, entry)
		}
		return entry.jwk === null ? NONE : new Map([[`plaid:${kid}`, entry.jwk]])
	}

	async #fetch(host: string, clientId: string, secret: string, kid: string): Promise<Entry> {
		const now = this.clock.now()
		try {
			const text = await this.post(new URL('/webhook_verification_key/get', host), { client_id: clientId, secret, key_id: kid })
			const key = (JSON.parse(text) as { key?: Record<string, unknown> }).key
			if (!key || key.kid !== kid || key.kty !== 'EC') throw new Error('no such key')
			const expired = typeof key.expired_at === 'number' ? key.expired_at * 1000 : null
			if (expired !== null && expired <= now) throw new Error('key expired')
			return { jwk: JSON.stringify(key), until: Math.min(expired ?? Number.POSITIVE_INFINITY, now + KEY_TTL_MS) }
		} catch {
			return { jwk: null, until: now + FAILURE_TTL_MS }
		}
	}
}
