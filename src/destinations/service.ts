import type { AuthContext } from '../auth/service'
import { type Clock, toIso } from '../lib/clock'
import type { SecretBox } from '../lib/crypto'
import { NotFound, PlanLimitReached } from '../lib/errors'
import { newId } from '../lib/ids'
import { type Page, pageOf, seekFrom } from '../lib/pagination'
import type { Circuit } from '../delivery/breaker'
import type { Circuits } from '../delivery/circuits'
import type {
	CreateDestinationBody, DeliveryTarget, Destination, DestinationAuth, ListDestinationsOptions, SigningConfig, UpdateDestinationBody
} from './model'
import type { DestinationRow, DestinationsRepo } from './repo'
import { checkHeaderMap, checkNoProviderConfig, checkUrl, DEFAULT_RETRY_INTERVALS, parseSigning, parseAuth, parseAuthType, parseDestinationType, providerConfigOf, timeoutMsOf, checkSigningVsAuth } from './rules'
import { parseProviderConfig, type ProviderType } from './provider-config'
import { ValidationFailed } from '../lib/errors'
import { maskAuthConfig, maskProviderConfig, maskSigningConfig, openJson, sealJson } from './secrets'

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value))
const flag = (value: boolean) => (value ? 1 : 0)

/** Quotas from the config; null = unlimited. */
export interface DestinationLimits {
	maxDestinations: number | null
}

/** The circuit as the API shows it: ISO times. */
export interface CircuitWire {
	circuit: { state: Circuit['state']; failure_count: number; opened_at: string | null; next_probe_at: string | null; last_transition_at: string | null }
}

/** Destination rules: defaults, credential sealing, quotas, tenancy, and the delivery worker's view. */
export class DestinationsService {
	readonly #listeners: ((id: string) => void)[] = []

	constructor(
		private readonly repo: DestinationsRepo,
		private readonly secrets: SecretBox,
		private readonly clock: Clock,
		private readonly limits: DestinationLimits,
		/** Breaker state has one owner, the delivery side: the API reads and resets it there. */
		private readonly circuits: Pick<Circuits, 'read' | 'reset'>
	) {}

	/** Called with a destination id after every write (the delivery worker drops its cached copy on it). */
	onChange(listener: (id: string) => void): void {
		this.#listeners.push(listener)
	}

	async create(auth: AuthContext, body: CreateDestinationBody): Promise<Destination> {
		const row = this.#newRow(auth, body)
		if (this.limits.maxDestinations !== null && (await this.repo.countInEnv(auth.envId)) >= this.limits.maxDestinations) {
			throw new PlanLimitReached('Destinations', this.limits.maxDestinations)
		}
		await this.repo.insert(row)
		this.#emit(row.id)
		return this.#wire(row)
	}

	#newRow(auth: AuthContext, body: CreateDestinationBody): DestinationRow {
		const type = parseDestinationType(body.type)
		const { url, provider_config } = this.#target(type, body, null)
		const headers = body.headers == null ? null : checkHeaderMap(body.headers, '/headers')
		const credentials = parseAuth(body.auth_type ?? 'none', body.auth_config)
		const signing = body.signing_config == null ? null : parseSigning(body.signing_config)
		checkSigningVsAuth(credentials, signing)
		const now = this.clock.now()
		return {
			id: newId('dst'), org_id: auth.orgId, env_id: auth.envId, name: body.name, slug: body.slug, type, url,
			method: body.method ?? 'POST', headers: json(headers), timeout_ms: timeoutMsOf(body) ?? 30000,
			auth_type: credentials.type, auth_config: sealJson(this.secrets, credentials.config),
			signing_config: sealJson(this.secrets, signing), provider_config,
			status: 'active', event_count: 0, last_delivery_at: null,
			retry_enabled: flag(body.retry_enabled ?? true), retry_max_attempts: body.retry_max_attempts ?? 5,
			retry_backoff_type: body.retry_backoff_type ?? 'exponential', retry_intervals: JSON.stringify(body.retry_intervals ?? DEFAULT_RETRY_INTERVALS),
			circuit_breaker_enabled: flag(body.circuit_breaker_enabled ?? true), circuit_breaker_threshold: body.circuit_breaker_threshold ?? 5,
			circuit_breaker_reset_ms: body.circuit_breaker_reset_ms ?? 60000,
			created_at: now, updated_at: now
		}
	}

	/** 404 for unknown ids and for ids of another environment alike: existence is not leaked. */
	async #find(auth: AuthContext, id: string): Promise<DestinationRow> {
		const row = await this.repo.findById(id)
		if (!row || row.env_id !== auth.envId) throw new NotFound('Destination')
		return row
	}

	async get(auth: AuthContext, id: string): Promise<Destination> {
		return this.#wire(await this.#find(auth, id))
	}

	async list(auth: AuthContext, query: ListDestinationsOptions): Promise<Page<Destination>> {
		const limit = query.limit ?? 20
		const seek = seekFrom(query.cursor, 'dst')
		const page = pageOf(await this.repo.list(auth.envId, seek, limit + 1), limit, seek)
		return { ...page, items: page.items.map((r) => this.#wire(r)) }
	}

	async update(auth: AuthContext, id: string, body: UpdateDestinationBody): Promise<Destination> {
		const current = await this.#find(auth, id)
		const next = this.#applyPatch(current, body)
		if (body.auth_type !== undefined || body.auth_config !== undefined || body.signing_config !== undefined) {
			checkSigningVsAuth(this.#openAuth(next), openJson<SigningConfig>(this.secrets, next.signing_config))
		}
		await this.repo.update(next)
		this.#emit(next.id)
		return this.#wire(next)
	}

	#applyPatch(cur: DestinationRow, body: UpdateDestinationBody): DestinationRow {
		const type = body.type === undefined ? cur.type : parseDestinationType(body.type)
		const { url, provider_config } = this.#target(type, body, cur)
		const headers = body.headers === undefined ? cur.headers : body.headers === null ? null : json(checkHeaderMap(body.headers, '/headers'))
		const signing = body.signing_config === undefined ? cur.signing_config : sealJson(this.secrets, body.signing_config === null ? null : parseSigning(body.signing_config))
		const pickFlag = (value: boolean | undefined, current: number) => (value === undefined ? current : flag(value))
		return {
			...cur,
			...this.#patchAuth(cur, body),
			name: body.name ?? cur.name,
			slug: body.slug ?? cur.slug,
			type,
			url,
			method: body.method ?? cur.method,
			headers,
			provider_config,
			timeout_ms: timeoutMsOf(body) ?? cur.timeout_ms,
			signing_config: signing,
			status: body.status ?? cur.status,
			retry_enabled: pickFlag(body.retry_enabled, cur.retry_enabled),
			retry_max_attempts: body.retry_max_attempts ?? cur.retry_max_attempts,
			retry_backoff_type: body.retry_backoff_type ?? cur.retry_backoff_type,
			retry_intervals: body.retry_intervals === undefined ? cur.retry_intervals : JSON.stringify(body.retry_intervals),
			circuit_breaker_enabled: pickFlag(body.circuit_breaker_enabled, cur.circuit_breaker_enabled),
			circuit_breaker_threshold: body.circuit_breaker_threshold ?? cur.circuit_breaker_threshold,
			circuit_breaker_reset_ms: body.circuit_breaker_reset_ms ?? cur.circuit_breaker_reset_ms,
			updated_at: Math.max(this.clock.now(), cur.updated_at)
		}
	}

	/**
	 * Where a destination sends: `url` for http, a sealed `provider_config` for the other
	 * types. On PATCH of the same type, provider_config is merged onto the stored one
	 * (a key set to null removes it), so a secret can be rotated alone.
	 */
	#target(type: string, body: CreateDestinationBody | UpdateDestinationBody, cur: DestinationRow | null): Pick<DestinationRow, 'url' | 'provider_config'> {
		if (type === 'http') {
			checkNoProviderConfig(body)
			return { url: body.url !== undefined || !cur?.url ? checkUrl(body.url) : cur.url, provider_config: null }
		}
		if (body.url !== undefined) throw new ValidationFailed('/url', `is only for http destinations: type ${type} is configured by provider_config`)
		if (body.auth_type !== undefined && body.auth_type !== 'none') throw new ValidationFailed('/auth_type', `is only for http destinations: type ${type} takes its credentials in provider_config`)
		const sent = providerConfigOf(body)
		const sameType = cur !== null && cur.type === type
		if (sent === undefined && sameType) return { url: null, provider_config: cur.provider_config }
		const base = sameType && sent ? (openJson<Record<string, unknown>>(this.secrets, cur.provider_config) ?? {}) : {}
		const merged = sent ? Object.fromEntries(Object.entries({ ...base, ...sent }).filter(([, v]) => v !== null)) : sent
		return { url: null, provider_config: sealJson(this.secrets, parseProviderConfig(type as ProviderType, merged)) }
	}

	/**
	 * Neither field sent keeps both; `auth_config: null` alone clears auth; a new
	 * `auth_type` alone keeps the credentials only if the type is unchanged.
	 */
	#patchAuth(cur: DestinationRow, body: UpdateDestinationBody): Pick<DestinationRow, 'auth_type' | 'auth_config'> {
		if (body.auth_type === undefined && body.auth_config === undefined) return { auth_type: cur.auth_type, auth_config: cur.auth_config }
		if (body.auth_type === undefined && body.auth_config === null) return { auth_type: 'none', auth_config: null }
		const type = body.auth_type === undefined ? parseAuthType(cur.auth_type) : parseAuthType(body.auth_type)
		if (body.auth_config === undefined && type === cur.auth_type) return { auth_type: cur.auth_type, auth_config: cur.auth_config }
		const next = parseAuth(type, body.auth_config)
		return { auth_type: next.type, auth_config: sealJson(this.secrets, next.config) }
	}

	/** False when stored credentials exist and this key cannot open them (a wrong --encryption-key or secret.key). */
	async secretsReadable(): Promise<boolean> {
		return this.secrets.canOpen(await this.repo.anySealedSecret())
	}

	async remove(auth: AuthContext, id: string): Promise<void> {
		const { id: found } = await this.#find(auth, id)
		await this.repo.delete(auth.envId, found)
		this.#emit(found)
	}

	async circuit(auth: AuthContext, id: string): Promise<CircuitWire> {
		const { id: found } = await this.#find(auth, id)
		const circuit = await this.circuits.read(found)
		if (!circuit) throw new NotFound('Destination')
		return circuitToWire(circuit)
	}

	/** Manual reset: closed, count cleared, no probe pending. The worker hears of it through onChange. */
	async resetCircuit(auth: AuthContext, id: string): Promise<CircuitWire> {
		const { id: found } = await this.#find(auth, id)
		const circuit = await this.circuits.reset(found)
		if (!circuit) throw new NotFound('Destination')
		this.#emit(found)
		return circuitToWire(circuit)
	}

	/** Whether the destination is still stored (any environment); reads the row, opens no secret. */
	async exists(id: string): Promise<boolean> {
		return (await this.repo.findById(id)) !== null
	}

	/**
	 * The delivery worker's view of a destination in any environment: plaintext
	 * credentials and parsed settings. Null when the id is unknown. Never serve this over HTTP.
	 */
	async resolveForDelivery(id: string): Promise<DeliveryTarget | null> {
		const row = await this.repo.findById(id)
		if (!row) return null
		return {
			row,
			headers: row.headers === null ? {} : (JSON.parse(row.headers) as Record<string, string>),
			auth: this.#openAuth(row),
			signing: openJson<SigningConfig>(this.secrets, row.signing_config),
			provider: openJson<Record<string, unknown>>(this.secrets, row.provider_config)
		}
	}

	#openAuth(row: DestinationRow): DestinationAuth {
		const config = openJson<NonNullable<DestinationAuth['config']>>(this.secrets, row.auth_config)
		return (row.auth_type === 'none' || config === null ? { type: 'none', config: null } : { type: row.auth_type, config }) as DestinationAuth
	}

	/** Wire shape: ISO times, every credential masked, breaker state left to `/circuit`. */
	#wire(row: DestinationRow): Destination {
		return {
			id: row.id, org_id: row.org_id, env_id: row.env_id, name: row.name, slug: row.slug,
			// Provider types have no url: '' keeps the reference's non-null string.
			url: row.url ?? '',
			method: row.method, headers: row.headers, timeout_ms: row.timeout_ms, timeout: row.timeout_ms / 1000, auth_type: row.auth_type,
			auth_config: maskAuthConfig(this.secrets, row.auth_config), status: row.status, event_count: row.event_count,
			last_delivery_at: toIso(row.last_delivery_at), created_at: toIso(row.created_at), updated_at: toIso(row.updated_at),
			retry_enabled: row.retry_enabled, retry_max_attempts: row.retry_max_attempts, retry_backoff_type: row.retry_backoff_type,
			retry_intervals: row.retry_intervals, circuit_breaker_enabled: row.circuit_breaker_enabled,
			circuit_breaker_threshold: row.circuit_breaker_threshold, circuit_breaker_reset_ms: row.circuit_breaker_reset_ms,
			type: row.type, provider_config: maskProviderConfig(this.secrets, row.provider_config),
			signing_config: maskSigningConfig(this.secrets, row.signing_config)
		}
	}

	#emit(id: string): void {
		for (const l of this.#listeners) l(id)
	}
}

function circuitToWire(c: Circuit): CircuitWire {
	return {
		circuit: {
			state: c.state, failure_count: c.failure_count, opened_at: toIso(c.opened_at),
			next_probe_at: toIso(c.next_probe_at), last_transition_at: toIso(c.last_transition_at)
		}
	}
}
