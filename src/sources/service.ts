import type { AuthContext } from '../auth/service'
import { type Clock, toIso } from '../lib/clock'
import type { SecretBox } from '../lib/crypto'
import { NotFound, PlanLimitReached, ValidationFailed } from '../lib/errors'
import { newId } from '../lib/ids'
import { type Page, pageOf, seekFrom } from '../lib/pagination'
import { getTemplate } from '../templates'
import type { Template } from '../templates/model'
import type { CreateSourceBody, ListSourcesOptions, Source, UpdateSourceBody } from './model'
import type { SourceRow, SourcesRepo } from './repo'
import { maskSecrets, sealSecrets } from './secrets'
import { checkSettings, checkVerificationConfig, parseConfigObject, parseDedupStrategy, parseVerificationType, type SourceSettings } from './rules'

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value))
const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T))

/** Reference §3: the dedup window when none (or 0) is given. */
export const DEFAULT_DEDUP_WINDOW_SECONDS = 300

const dedupWindow = (seconds: number | undefined) => (seconds === 0 ? DEFAULT_DEDUP_WINDOW_SECONDS : seconds)

export interface SourceLimits {
	maxSources: number | null
}

/** Source rules: templates, defaults, cross-field checks, quotas, tenancy. */
export class SourcesService {
	readonly #listeners: ((id: string) => void)[] = []

	constructor(
		private readonly repo: SourcesRepo,
		private readonly secrets: SecretBox,
		private readonly clock: Clock,
		private readonly limits: SourceLimits
	) {}

	/** Called with a source id after every write (the ingest cache invalidates on it). */
	onChange(listener: (id: string) => void): void {
		this.#listeners.push(listener)
	}

	/** `baseUrl` (public URL, else the request's origin) makes each source's absolute ingest `url`. */
	async create(auth: AuthContext, body: CreateSourceBody, baseUrl: string): Promise<Source> {
		const template = body.template === undefined ? undefined : getTemplate(body.template)
		if (body.template !== undefined && !template) throw new ValidationFailed('/template', `'${body.template}' is not a known template (see GET /v1/templates)`)
		await this.assertRoom(auth)
		const row = this.#newRow(auth, body, template)
		await this.repo.insert(row)
		this.#emit(row.id)
		return this.#wire(row, baseUrl)
	}

	/** 403 "Plan limit reached" when the caller's environment already has `max_sources` sources (creating, or claiming a test session). */
	async assertRoom(auth: AuthContext): Promise<void> {
		if (this.limits.maxSources !== null && (await this.repo.countInEnv(auth.envId)) >= this.limits.maxSources) {
			throw new PlanLimitReached('Sources', this.limits.maxSources)
		}
	}

	#newRow(auth: AuthContext, body: CreateSourceBody, template: Template | undefined): SourceRow {
		const verificationType = parseVerificationType(body.verification_type ?? template?.verification_type)
		const config = template || body.verification_config ? { ...template?.verification_config, ...body.verification_config } : null
		let strategy = parseDedupStrategy(body.dedup_strategy)
		const dedupEnabled = body.dedup_enabled ?? strategy !== null
		// A template's dedup hint only applies when the caller turns dedup on without choosing.
		const hint = dedupEnabled && strategy === null ? template?.dedup : undefined
		if (dedupEnabled && strategy === null) strategy = hint?.strategy ?? 'payload_hash'
		const settings: SourceSettings = {
			verification_enabled: body.verification_enabled ?? verificationType !== null,
			verification_type: verificationType,
			verification_type_sent: body.verification_type !== undefined,
			has_secret: body.verification_secret !== undefined,
			dedup_enabled: dedupEnabled,
			dedup_strategy: strategy,
			dedup_field: body.dedup_field ?? hint?.field ?? null,
			ip_allowlist: body.ip_allowlist ?? null,
			ip_denylist: body.ip_denylist ?? null,
			schema_validation_enabled: body.schema_validation_enabled ?? false,
			json_schema: body.json_schema ?? null,
			json_schema_changed: body.json_schema !== undefined
		}
		checkSettings(settings)
		checkVerificationConfig(body.verification_config)
		const now = this.clock.now()
		return {
			id: newId('src'), org_id: auth.orgId, env_id: auth.envId, slug: body.slug, name: body.name,
			description: body.description ?? null, template: template?.slug ?? null,
			verification_enabled: settings.verification_enabled ? 1 : 0, verification_type: verificationType,
			verification_secret: body.verification_secret === undefined ? null : sealSecrets(this.secrets, body.verification_secret),
			verification_header: body.verification_header ?? template?.verification_header ?? null,
			verification_config: json(config),
			dedup_enabled: dedupEnabled ? 1 : 0, dedup_strategy: strategy, dedup_field: settings.dedup_field,
			dedup_window_seconds: dedupWindow(body.dedup_window_seconds) ?? DEFAULT_DEDUP_WINDOW_SECONDS,
			ip_allowlist: json(settings.ip_allowlist), ip_denylist: json(settings.ip_denylist),
			status: 'active', event_count: 0, last_event_at: null, created_at: now, updated_at: now,
			is_ephemeral: 0, expires_at: null, request_limit: null, type: body.type ?? 'http',
			source_config: json(body.source_config), schema_validation_enabled: settings.schema_validation_enabled ? 1 : 0,
			json_schema: json(settings.json_schema), schema_action: body.schema_action ?? (settings.json_schema ? 'reject' : null),
			rate_limit_per_second: body.rate_limit_per_second ?? null
		}
	}

	/** 404 for unknown ids and for ids of another environment alike: existence is not leaked. */
	async #find(auth: AuthContext, id: string): Promise<SourceRow> {
		const row = await this.repo.findById(id)
		if (!row || row.env_id !== auth.envId) throw new NotFound('Source')
		return row
	}

	async get(auth: AuthContext, id: string, baseUrl: string): Promise<Source> {
		return this.#wire(await this.#find(auth, id), baseUrl)
	}

	async list(auth: AuthContext, query: ListSourcesOptions, baseUrl: string): Promise<Page<Source>> {
		const limit = query.limit ?? 20
		const seek = seekFrom(query.cursor, 'src')
		const page = pageOf(await this.repo.list(auth.envId, { status: query.status ?? null }, seek, limit + 1), limit, seek)
		return { ...page, items: page.items.map((r) => this.#wire(r, baseUrl)) }
	}

	async update(auth: AuthContext, id: string, body: UpdateSourceBody, baseUrl: string): Promise<Source> {
		const current = await this.#find(auth, id)
		const next = this.#applyPatch(current, body)
		await this.repo.update(next)
		this.#emit(next.id)
		return this.#wire(next, baseUrl)
	}

	#applyPatch(cur: SourceRow, body: UpdateSourceBody): SourceRow {
		const pick = <K extends keyof UpdateSourceBody>(k: K, fallback: unknown) => (body[k] === undefined ? fallback : body[k])
		const type = body.verification_type === undefined ? cur.verification_type : parseVerificationType(body.verification_type)
		const strategy = body.dedup_strategy === undefined ? cur.dedup_strategy : parseDedupStrategy(body.dedup_strategy)
		const config = parseConfigObject(body.verification_config, '/verification_config')
		const secret = body.verification_secret === undefined ? cur.verification_secret : body.verification_secret === null ? null : sealSecrets(this.secrets, body.verification_secret)
		const dedupEnabled = body.dedup_enabled ?? (body.dedup_strategy ? true : cur.dedup_enabled === 1)
		const settings: SourceSettings = {
			verification_enabled: body.verification_enabled ?? (body.verification_type ? true : type === null ? false : cur.verification_enabled === 1),
			verification_type: type as SourceSettings['verification_type'],
			verification_type_sent: body.verification_type !== undefined && body.verification_type !== null,
			has_secret: secret !== null,
			dedup_enabled: dedupEnabled,
			dedup_strategy: (strategy ?? (dedupEnabled ? 'payload_hash' : null)) as SourceSettings['dedup_strategy'],
			dedup_field: pick('dedup_field', cur.dedup_field) as string | null,
			ip_allowlist: body.ip_allowlist === undefined ? parse(cur.ip_allowlist) : body.ip_allowlist,
			ip_denylist: body.ip_denylist === undefined ? parse(cur.ip_denylist) : body.ip_denylist,
			schema_validation_enabled: body.schema_validation_enabled ?? cur.schema_validation_enabled === 1,
			json_schema: body.json_schema === undefined ? parse(cur.json_schema) : body.json_schema,
			json_schema_changed: body.json_schema !== undefined
		}
		checkSettings(settings)
		checkVerificationConfig(config)
		return {
			...cur,
			name: body.name ?? cur.name,
			description: pick('description', cur.description) as string | null,
			type: body.type ?? cur.type,
			source_config: body.source_config === undefined ? cur.source_config : json(body.source_config),
			verification_enabled: settings.verification_enabled ? 1 : 0,
			verification_type: settings.verification_type,
			verification_secret: secret,
			verification_header: pick('verification_header', cur.verification_header) as string | null,
			verification_config: config === undefined ? cur.verification_config : json(config),
			dedup_enabled: dedupEnabled ? 1 : 0,
			dedup_strategy: settings.dedup_strategy,
			dedup_field: settings.dedup_field,
			dedup_window_seconds: dedupWindow(body.dedup_window_seconds) ?? cur.dedup_window_seconds,
			ip_allowlist: json(settings.ip_allowlist),
			ip_denylist: json(settings.ip_denylist),
			status: body.status ?? cur.status,
			schema_validation_enabled: settings.schema_validation_enabled ? 1 : 0,
			json_schema: json(settings.json_schema),
			schema_action: body.schema_action ?? cur.schema_action ?? (settings.json_schema ? 'reject' : null),
			rate_limit_per_second: pick('rate_limit_per_second', cur.rate_limit_per_second) as number | null,
			updated_at: Math.max(this.clock.now(), cur.updated_at)
		}
	}

	/** False when stored secrets exist and this key cannot open them (a wrong --encryption-key or secret.key). */
	async secretsReadable(): Promise<boolean> {
		return this.secrets.canOpen(await this.repo.anySealedSecret())
	}

	async remove(auth: AuthContext, id: string): Promise<void> {
		const { id: found } = await this.#find(auth, id)
		await this.repo.delete(auth.envId, found)
		this.#emit(found)
	}

	/** Wire shape: ISO times, masked secret, absolute ingest URL. */
	#wire(row: SourceRow, baseUrl: string): Source {
		return {
			...row,
			verification_secret: maskSecrets(this.secrets, row.verification_secret),
			last_event_at: toIso(row.last_event_at),
			created_at: toIso(row.created_at),
			updated_at: toIso(row.updated_at),
			expires_at: toIso(row.expires_at),
			url: `${baseUrl}/v1/ingest/${row.id}`
		}
	}

	#emit(id: string): void {
		for (const l of this.#listeners) l(id)
	}
}
