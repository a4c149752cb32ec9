import { type Api, ApiError } from './api'
import { ClientError } from './config'
import { type Output, table } from './output'

export interface CrudFlags {
	name?: string | undefined
	slug?: string | undefined
	template?: string | undefined
	url?: string | undefined
	source?: string | undefined
	destination?: string | undefined
	status?: string | undefined
	limit?: string | undefined
	data?: string | undefined
}

interface Resource {
	path: string
	plural: string
	singular: string
	columns: string[]
	/** Fields a create takes from flags (flag name → body field); `--data '<json>'` covers the rest. */
	createFields: Record<string, string>
	verbs: string[]
	/** Said after a 403 to a key: these calls need a signed-in person, and the CLI only ever holds an API key. */
	sessionHint?: string
}

const CRUD = ['list', 'get', 'create', 'delete']

export const RESOURCES: Record<string, Resource> = {
	sources: { path: '/v1/sources', plural: 'sources', singular: 'source', columns: ['id', 'slug', 'name', 'type', 'status', 'event_count'], createFields: { name: 'name', slug: 'slug', template: 'template' }, verbs: CRUD },
	destinations: { path: '/v1/destinations', plural: 'destinations', singular: 'destination', columns: ['id', 'slug', 'name', 'type', 'url', 'status'], createFields: { name: 'name', slug: 'slug', url: 'url' }, verbs: CRUD },
	connections: { path: '/v1/connections', plural: 'connections', singular: 'connection', columns: ['id', 'name', 'source_id', 'destination_id', 'status'], createFields: { name: 'name', source: 'source_id', destination: 'destination_id' }, verbs: CRUD },
	events: { path: '/v1/events', plural: 'events', singular: 'event', columns: ['id', 'source_slug', 'method', 'status', 'payload_size', 'received_at'], createFields: {}, verbs: ['list', 'get', 'retry'] },
	'api-keys': {
		path: '/v1/auth/api-keys', plural: 'api_keys', singular: 'api_key', columns: ['id', 'name', 'key_prefix', 'revoked', 'request_count', 'last_used_at'], createFields: { name: 'name' }, verbs: ['list', 'create', 'revoke'],
		sessionHint: 'API keys are managed by a signed-in owner or admin, never with an API key (the one `hookstream login` saves included): use /v1/auth/api-keys with a session cookie, or `hookstream keys list|create|revoke --data-dir <dir>` on the server host.'
	},
	environments: {
		path: '/v1/environments', plural: 'environments', singular: 'environment', columns: ['id', 'slug', 'name', 'created_at'], createFields: { name: 'name', slug: 'slug' }, verbs: ['list', 'create'],
		sessionHint: 'Any key may list environments; creating one needs a signed-in owner or admin: POST /v1/environments with a session cookie.'
	}
}

function createBody(r: Resource, flags: CrudFlags): Record<string, unknown> {
	let body: Record<string, unknown> = {}
	if (flags.data !== undefined) {
		try {
			body = JSON.parse(flags.data) as Record<string, unknown>
		} catch {
			throw new ClientError('--data must be a JSON object', 2)
		}
		if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ClientError('--data must be a JSON object', 2)
	}
	for (const [flag, field] of Object.entries(r.createFields)) {
		const value = flags[flag as keyof CrudFlags]
		if (value !== undefined) body[field] = value
	}
	return body
}

function listQuery(r: Resource, flags: CrudFlags): string {
	const q = new URLSearchParams()
	if (flags.limit) q.set('limit', flags.limit)
	if (r.plural === 'events') {
		if (flags.status) q.set('status', flags.status)
		if (flags.source) q.set('source_id', flags.source)
	}
	return q.size > 0 ? `?${q}` : ''
}

function details(out: Output, item: Record<string, unknown>): void {
	const width = Math.max(...Object.keys(item).map((k) => k.length))
	for (const [k, v] of Object.entries(item)) out.line(`${k.padEnd(width)}  ${v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
}

/** `hookstream <resource> <verb> [id]`: a table (or `--json`) from the API; the server's error otherwise. */
export async function crud(api: Api, resource: string, verb: string | undefined, id: string | undefined, flags: CrudFlags, out: Output): Promise<number> {
	const r = RESOURCES[resource] as Resource
	try {
		return await run(api, r, resource, verb, id, flags, out)
	} catch (err) {
		// The server decides what a key may do (src/accounts/roles.ts); the CLI only explains its refusal.
		if (err instanceof ApiError && err.status === 403 && r.sessionHint) throw new ApiError(403, `${err.message}\n${r.sessionHint}`)
		throw err
	}
}

async function run(api: Api, r: Resource, resource: string, verb: string | undefined, id: string | undefined, flags: CrudFlags, out: Output): Promise<number> {
	if (!verb || !r.verbs.includes(verb)) throw new ClientError(`Usage: hookstream ${resource} ${r.verbs.join('|')}${r.verbs.some((v) => v !== 'list' && v !== 'create') ? ' [<id>]' : ''}`, 2)
	const needsId = verb === 'get' || verb === 'delete' || verb === 'retry' || verb === 'revoke'
	if (needsId && !id) throw new ClientError(`Usage: hookstream ${resource} ${verb} <id>`, 2)
	const at = needsId ? `${r.path}/${encodeURIComponent(id as string)}` : r.path
	switch (verb) {
		case 'list': {
			const page = await api.request<Record<string, unknown>>('GET', `${r.path}${listQuery(r, flags)}`)
			const rows = (page[r.plural] ?? []) as Record<string, unknown>[]
			out.result(page, () => table(out, rows, r.columns))
			return 0
		}
		case 'get': {
			const got = await api.request<Record<string, unknown>>('GET', at)
			out.result(got, () => details(out, (got[r.singular] ?? got) as Record<string, unknown>))
			return 0
		}
		case 'create': {
			const made = await api.request<Record<string, unknown>>('POST', r.path, createBody(r, flags))
			out.result(made, () => details(out, (made[r.singular] ?? made) as Record<string, unknown>))
			return 0
		}
		case 'retry': {
			const res = await api.request<Record<string, unknown>>('POST', `${at}/retry`)
			out.result(res, () => out.line(String(res.message ?? 'Queued')))
			return 0
		}
		default: {
			const res = await api.request<Record<string, unknown>>('DELETE', at)
			out.result(res ?? { success: true }, () => out.line(`${verb === 'revoke' ? 'Revoked' : 'Deleted'} ${id}`))
			return 0
		}
	}
}
