import { createHmac } from 'node:crypto'
import type { AuthContext } from '../auth/service'
import { sendHttp } from '../delivery/outbound'
import { defaultGuard, type OutboundGuard } from '../delivery/ssrf'
import { openJson, sealJson } from '../destinations/secrets'
import { type Clock, toIso } from '../lib/clock'
import { maskSecret, type SecretBox } from '../lib/crypto'
import { BadRequest, NotFound, ValidationFailed } from '../lib/errors'
import { newId } from '../lib/ids'
import type { ChannelType, CreateChannelBody, UpdateChannelBody } from './model'
import { type AlertPayload, discordMessage, emailMessage, slackMessage } from './payload'
import type { AlertsRepo, ChannelRow } from './repo'
import { parseSmtpUrl, sendMail } from './smtp'

type Config = Record<string, unknown>
const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/
const SEND_TIMEOUT_MS = 10_000

function httpUrl(config: Config): string {
	const url = config.url
	if (typeof url !== 'string') throw new ValidationFailed('/config/url', 'is required (an http or https URL)')
	try {
		const parsed = new URL(url)
		if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return url
	} catch {}
	throw new ValidationFailed('/config/url', 'must be an http or https URL')
}

function onlyKeys(config: Config, keys: string[]): void {
	for (const k of Object.keys(config)) if (!keys.includes(k)) throw new ValidationFailed(`/config/${k}`, `is not a setting of this channel type (allowed: ${keys.join(', ')})`)
}

/** Checks a channel's config for its type; returns the stored form. */
function validConfig(type: ChannelType, config: Config): Config {
	if (type === 'email') {
		onlyKeys(config, ['to'])
		const to = typeof config.to === 'string' ? [config.to] : config.to
		if (!Array.isArray(to) || to.length === 0 || to.length > 20 || !to.every((a) => typeof a === 'string' && EMAIL.test(a))) {
			throw new ValidationFailed('/config/to', 'must be 1–20 email addresses')
		}
		return { to }
	}
	if (type === 'webhook') {
		onlyKeys(config, ['url', 'secret'])
		const secret = config.secret
		if (secret !== undefined && secret !== null && (typeof secret !== 'string' || secret.length < 8)) throw new ValidationFailed('/config/secret', 'must be a string of at least 8 characters')
		return { url: httpUrl(config), ...(typeof secret === 'string' ? { secret } : {}) }
	}
	onlyKeys(config, ['url'])
	return { url: httpUrl(config) }
}

/** Wire form: credentials (a webhook secret, a Slack/Discord URL, which is a credential itself) masked. */
function maskedConfig(type: string, config: Config): string {
	if (type === 'email') return JSON.stringify(config)
	const out: Config = { ...config }
	if (type !== 'webhook') out.url = maskSecret(String(config.url))
	if (typeof config.secret === 'string') out.secret = maskSecret(config.secret)
	return JSON.stringify(out)
}

/** Reference §2.11: CRUD, test sends, and delivery of alert payloads to every channel type. */
export class ChannelsService {
	readonly #guard: OutboundGuard

	constructor(
		private readonly repo: AlertsRepo,
		private readonly secrets: SecretBox,
		private readonly clock: Clock,
		private readonly opts: { allowPrivate: boolean; smtpUrl: string | null; guard?: OutboundGuard }
	) {
		this.#guard = opts.guard ?? defaultGuard(opts.allowPrivate)
	}

	#wire(r: ChannelRow) {
		const config = openJson<Config>(this.secrets, r.config) ?? {}
		return {
			id: r.id, org_id: r.org_id, env_id: r.env_id, name: r.name, channel_type: r.channel_type, config: maskedConfig(r.channel_type, config),
			enabled: r.enabled, last_sent_at: toIso(r.last_sent_at), error_count: r.error_count, last_error: r.last_error,
			created_at: toIso(r.created_at), updated_at: toIso(r.updated_at)
		}
	}

	async #find(auth: AuthContext, id: string): Promise<ChannelRow> {
		const row = await this.repo.channel(id)
		if (!row || row.env_id !== auth.envId) throw new NotFound('Notification channel')
		return row
	}

	#checkEmail(type: ChannelType): void {
		if (type === 'email' && this.opts.smtpUrl === null) throw new BadRequest('Email channels need an SMTP server: start hookstream with --smtp-url')
	}

	async create(auth: AuthContext, body: CreateChannelBody) {
		this.#checkEmail(body.channel_type)
		const config = validConfig(body.channel_type, body.config)
		const now = this.clock.now()
		const row: ChannelRow = {
			id: newId('nc'), org_id: auth.orgId, env_id: auth.envId, name: body.name, channel_type: body.channel_type,
			config: sealJson(this.secrets, config) as string, enabled: body.enabled === false ? 0 : 1, last_sent_at: null, error_count: 0, last_error: null, created_at: now, updated_at: now
		}
		await this.repo.insertChannel(row)
		return this.#wire(row)
	}

	async list(auth: AuthContext) {
		return (await this.repo.channels(auth.envId)).map((r) => this.#wire(r))
	}

	async get(auth: AuthContext, id: string) {
		return this.#wire(await this.#find(auth, id))
	}

	async update(auth: AuthContext, id: string, body: UpdateChannelBody) {
		const row = await this.#find(auth, id)
		const fields: Partial<ChannelRow> = { updated_at: this.clock.now() }
		if (body.name !== undefined) fields.name = body.name
		if (body.enabled !== undefined) fields.enabled = body.enabled ? 1 : 0
		if (body.config !== undefined) fields.config = sealJson(this.secrets, validConfig(row.channel_type as ChannelType, body.config)) as string
		await this.repo.updateChannel(id, fields)
		return this.#wire(await this.#find(auth, id))
	}

	async remove(auth: AuthContext, id: string): Promise<void> {
		await this.#find(auth, id)
		await this.repo.deleteChannel(id)
	}

	/** Existing channels of this environment, or a 404 naming the first that is not. */
	async assertExist(auth: AuthContext, ids: string[]): Promise<void> {
		for (const id of ids) await this.#find(auth, id)
	}

	async test(auth: AuthContext, id: string): Promise<{ success: boolean; error: string | null }> {
		const row = await this.#find(auth, id)
		const now = toIso(this.clock.now())
		const payload: AlertPayload = {
			type: 'alert.test',
			alert: {
				rule_id: null, rule_name: row.name, rule_type: null, status: 'test', source_id: null, destination_id: null, value: null, threshold: null, window_minutes: null,
				message: `Test notification from hookstream for channel "${row.name}"`, triggered_at: now, resolved_at: null
			},
			sent_at: now
		}
		const error = await this.deliver(row, payload)
		return { success: error === null, error }
	}

	/** Sends one payload to one channel and records the outcome; returns the error, or null. Never throws. */
	async deliver(row: ChannelRow, payload: AlertPayload): Promise<string | null> {
		let error: string | null
		try {
			error = await this.#send(row.channel_type as ChannelType, openJson<Config>(this.secrets, row.config) ?? {}, payload)
		} catch (err) {
			error = err instanceof Error ? err.message : String(err)
		}
		await this.repo.recordSend(row.id, this.clock.now(), error === null ? null : error.slice(0, 1000))
		return error
	}

	async #send(type: ChannelType, config: Config, payload: AlertPayload): Promise<string | null> {
		if (type === 'email') {
			if (this.opts.smtpUrl === null) return 'No SMTP server configured (--smtp-url)'
			await sendMail(parseSmtpUrl(this.opts.smtpUrl), { to: config.to as string[], ...emailMessage(payload) }, SEND_TIMEOUT_MS)
			return null
		}
		const message = type === 'slack' ? slackMessage(payload) : type === 'discord' ? discordMessage(payload) : payload
		const body = new TextEncoder().encode(JSON.stringify(message))
		const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'hookstream-alerts' }
		if (type === 'webhook' && typeof config.secret === 'string') headers['x-hookstream-signature'] = `sha256=${createHmac('sha256', config.secret).update(body).digest('hex')}`
		const result = await sendHttp({ url: String(config.url), method: 'POST', headers, body, timeoutMs: SEND_TIMEOUT_MS }, this.#guard)
		if (result.ok) return null
		return result.error ?? `HTTP ${result.status}`
	}
}
