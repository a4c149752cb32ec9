import type { AuthContext } from '../auth/service'
import { type FilterRule, validateFilterRules } from '../routing/filters'
import { type Route, routeOf } from '../routing/route'
import { type CompiledTransform, TransformSyntaxError, transformFor } from '../delivery/transform'
import { type Clock, toIso } from '../lib/clock'
import { BadRequest, NotFound, ValidationFailed } from '../lib/errors'
import { newId } from '../lib/ids'
import { type Page, pageOf, seekFrom } from '../lib/pagination'
import type { Connection, CreateConnectionBody, ListConnectionsOptions, UpdateConnectionBody } from './model'
import type { ConnectionRow, ConnectionsRepo, ConnectionView } from './repo'

/** What the delivery worker needs of a connection: its row and its compiled transform, if enabled. */
export interface DeliveryConnection {
	row: ConnectionRow
	transform: CompiledTransform | null
}

/** No rules is stored as null, however it was sent, so the row reads the same either way. */
const rulesJson = (rules: readonly FilterRule[] | undefined) => (rules?.length ? JSON.stringify(rules) : null)

/** 400 naming every bad rule field; the message names the first, like a schema error. */
export function checkFilterRules(rules: readonly FilterRule[] | undefined): void {
	if (!rules) return
	const details = validateFilterRules(rules)
	const first = details[0]
	if (first) throw new BadRequest(`Invalid body: '${first.path.slice(1).replaceAll('/', '.')}' ${first.message}`, details)
}

/** Compiles a newly set expression (warming the cache the worker reads) and checks the toggle agrees. */
function checkTransform(enabled: boolean, expression: string | null, changed: boolean): void {
	if (enabled && expression === null) throw new ValidationFailed('/transform_expression', 'is required when transform_enabled is true')
	if (expression === null || !changed) return
	try {
		transformFor(expression)
	} catch (err) {
		if (err instanceof TransformSyntaxError) throw new ValidationFailed('/transform_expression', `is not a valid JSONata expression: ${err.message}`)
		throw err
	}
}

/** Connection rules: both ends in the caller's environment, valid filters and transforms, tenancy. */
export class ConnectionsService {
	readonly #listeners: ((sourceId: string) => void)[] = []

	constructor(
		private readonly repo: ConnectionsRepo,
		private readonly clock: Clock
	) {}

	/** Called with the affected source id after every write (the ingest router's cache invalidates on it). */
	onChange(listener: (sourceId: string) => void): void {
		this.#listeners.push(listener)
	}

	async create(auth: AuthContext, body: CreateConnectionBody): Promise<Connection> {
		checkFilterRules(body.filter_rules)
		const expression = body.transform_expression ?? null
		const transformEnabled = body.transform_enabled ?? expression !== null
		checkTransform(transformEnabled, expression, true)
		const [source, destination] = await Promise.all([
			this.repo.sourceInEnv(auth.envId, body.source_id),
			this.repo.destinationInEnv(auth.envId, body.destination_id)
		])
		if (!source || !destination) throw new NotFound('Source or destination')
		const now = this.clock.now()
		const row: ConnectionRow = {
			id: newId('conn'), org_id: auth.orgId, env_id: auth.envId, source_id: source.id, destination_id: destination.id,
			name: body.name, description: body.description ?? null, enabled: body.enabled === false ? 0 : 1,
			filter_rules: rulesJson(body.filter_rules), status: 'active', event_count: 0, last_event_at: null,
			transform_enabled: transformEnabled ? 1 : 0, transform_expression: expression, created_at: now, updated_at: now
		}
		await this.repo.insert(row)
		this.#emit(row.source_id)
		return this.#wire({ ...row, source_name: source.name, destination_name: destination.name })
	}

	/** 404 for unknown ids and for ids of another environment alike: existence is not leaked. */
	async #find(auth: AuthContext, id: string): Promise<ConnectionView> {
		const row = await this.repo.findById(id)
		if (!row || row.env_id !== auth.envId) throw new NotFound('Connection')
		return row
	}

	async get(auth: AuthContext, id: string): Promise<Connection> {
		return this.#wire(await this.#find(auth, id))
	}

	async list(auth: AuthContext, query: ListConnectionsOptions): Promise<Page<Connection>> {
		const limit = query.limit ?? 20
		const seek = seekFrom(query.cursor, 'conn')
		const rows = await this.repo.list(auth.envId, { sourceId: query.source_id ?? null, destinationId: query.destination_id ?? null }, seek, limit + 1)
		const page = pageOf(rows, limit, seek)
		return { ...page, items: page.items.map((r) => this.#wire(r)) }
	}

	async update(auth: AuthContext, id: string, body: UpdateConnectionBody): Promise<Connection> {
		const cur = await this.#find(auth, id)
		if (body.filter_rules !== undefined) checkFilterRules(body.filter_rules)
		const expression = body.transform_expression === undefined ? cur.transform_expression : body.transform_expression
		// Setting an expression turns the transform on and clearing it turns it off, unless the body says otherwise.
		const transformEnabled = body.transform_enabled ?? (body.transform_expression === undefined ? cur.transform_enabled === 1 : expression !== null)
		checkTransform(transformEnabled, expression, body.transform_expression !== undefined)
		const next: ConnectionView = {
			...cur,
			name: body.name ?? cur.name,
			description: body.description === undefined ? cur.description : body.description,
			enabled: body.enabled === undefined ? cur.enabled : body.enabled ? 1 : 0,
			filter_rules: body.filter_rules === undefined ? cur.filter_rules : rulesJson(body.filter_rules),
			status: body.status ?? cur.status,
			transform_enabled: transformEnabled ? 1 : 0,
			transform_expression: expression,
			updated_at: Math.max(this.clock.now(), cur.updated_at)
		}
		await this.repo.update(next)
		this.#emit(cur.source_id)
		return this.#wire(next)
	}

	async remove(auth: AuthContext, id: string): Promise<void> {
		const cur = await this.#find(auth, id)
		await this.repo.delete(auth.envId, cur.id)
		this.#emit(cur.source_id)
	}

	/**
	 * The routes events of a source take now: connections `active` and enabled whose
	 * destination is `active`, oldest first, each with its filters compiled once.
	 */
	async activeRoutes(sourceId: string): Promise<Route[]> {
		return (await this.repo.activeRoutes(sourceId)).map(routeOf)
	}

	/**
	 * A connection as the worker delivers through it (any environment, any status: the
	 * worker decides). `transform` is null unless enabled; an expression that no longer
	 * compiles throws `TransformSyntaxError`, which the worker records as a transform error.
	 */
	async findForDelivery(id: string): Promise<DeliveryConnection | null> {
		const row = await this.repo.findById(id)
		if (!row) return null
		const transform = row.transform_enabled === 1 && row.transform_expression !== null ? transformFor(row.transform_expression) : null
		return { row, transform }
	}

	/** Wire shape: the reference row's keys in its order, ISO times. */
	#wire(v: ConnectionView): Connection {
		return {
			id: v.id, org_id: v.org_id, env_id: v.env_id, source_id: v.source_id, destination_id: v.destination_id,
			name: v.name, description: v.description, enabled: v.enabled, filter_rules: v.filter_rules, status: v.status,
			event_count: v.event_count, last_event_at: toIso(v.last_event_at), created_at: toIso(v.created_at),
			updated_at: toIso(v.updated_at), transform_enabled: v.transform_enabled, transform_expression: v.transform_expression,
			source_name: v.source_name, destination_name: v.destination_name
		}
	}

	#emit(sourceId: string): void {
		for (const l of this.#listeners) l(sourceId)
	}
}
