import { AppError } from '../lib/errors'
import { assertScope, maybeAuthContextOf } from './auth'
import { INGEST_ROUTE } from './ingest'

/**
 * One rule for keys a route does not know, at the top level of a JSON body and
 * in the query string (README, "Unknown fields and parameters"): a 400 naming
 * the key, and the key it probably meant when it looks like a misspelling of one
 * the route knows (same after lower-casing and `-` → `_`, or within a small edit
 * distance). Nothing a client sends is silently dropped: a field that is not
 * applied is one the client believes was. Every field and parameter the
 * hookstream.io reference documents is in the routes' schemas, so none is refused.
 * Inside structured values (`auth_config`, `filter_rules`, …) the schemas keep the shape exact.
 */
interface RouteLike {
	method: string
	path: string
	hooks?: unknown
}

interface Known {
	body: Set<string> | null
	query: Set<string> | null
	/** The route takes no query (or body) of its own: only the scope every /v1 request may name, checked here. */
	scopeOnly: { query: boolean; body: boolean }
}

/**
 * Every /v1 request may name its own org and environment in the query (a session
 * picks its environment with `env_id`) or body; a route with no query or body of its
 * own knows those two and nothing else. Ingest stores whatever its sender sent.
 */
const SCOPE_KEYS = new Set(['org_id', 'env_id'])
const takesScopeOnly = (path: string) => path.startsWith('/v1/') && path !== INGEST_ROUTE

/** The property names of a closed object schema, or null when the schema is not one. */
function keysOf(schema: unknown): Set<string> | null {
	const s = schema as { type?: unknown; properties?: Record<string, unknown>; additionalProperties?: unknown } | undefined
	if (!s || s.type !== 'object' || !s.properties || s.additionalProperties !== false) return null
	return new Set(Object.keys(s.properties))
}

const normalise = (key: string) => key.toLowerCase().replaceAll('-', '_')

/** Optimal string alignment distance (Levenshtein plus adjacent swaps), capped for speed. */
function distance(a: string, b: string, cap: number): number {
	if (Math.abs(a.length - b.length) > cap) return cap + 1
	const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
	for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j
	for (let i = 1; i <= a.length; i++) {
		const row = d[i] as number[]
		const prev = d[i - 1] as number[]
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1
			let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1)
			row[j] = v
		}
	}
	return (d[a.length] as number[])[b.length] as number
}

/** The known key `key` most likely meant, if it looks like a misspelling of one. */
export function misspellingOf(key: string, known: Iterable<string>): string | null {
	const n = normalise(key)
	const cap = n.length >= 8 ? 2 : n.length >= 4 ? 1 : 0
	let best: string | null = null
	let bestDistance = cap + 1
	for (const k of known) {
		if (normalise(k) === n) return k
		const dist = distance(n, k, cap)
		if (dist < bestDistance) [best, bestDistance] = [k, dist]
	}
	return best
}

class UnknownKey extends AppError {
	constructor(where: 'body' | 'query', key: string, meant: string | null) {
		const message = meant ? `is not an allowed field (did you mean '${meant}'?)` : 'is not an allowed field here'
		super(400, `Invalid ${where}: '${key}' ${message}`, [{ path: `/${key}`, message }])
	}
}

/** Throws for the first key of `value` that the route does not know. */
function screen(where: 'body' | 'query', value: unknown, known: Set<string> | null): void {
	if (!known || value === null || typeof value !== 'object' || Array.isArray(value)) return
	for (const key of Object.keys(value)) {
		if (!known.has(key)) throw new UnknownKey(where, key, misspellingOf(key, known))
	}
}

/** An `onTransform` hook applying the rule with each route's own schemas (read once, on first use). */
export function unknownKeys(routes: () => readonly RouteLike[]) {
	let table: Map<string, Known> | null = null
	const build = () => {
		const map = new Map<string, Known>()
		for (const route of routes()) {
			const hooks = (route.hooks ?? {}) as { body?: unknown; query?: unknown }
			const method = route.method.toUpperCase()
			const scoped = takesScopeOnly(route.path)
			const scopeOnly = { query: scoped && hooks.query === undefined, body: scoped && hooks.body === undefined && method !== 'GET' }
			map.set(`${method} ${route.path}`, {
				body: scopeOnly.body ? SCOPE_KEYS : keysOf(hooks.body),
				query: scopeOnly.query ? SCOPE_KEYS : keysOf(hooks.query),
				scopeOnly
			})
		}
		return map
	}
	return ({ request, route, body, query }: { request: Request; route: string; body: unknown; query: unknown }) => {
		table ??= build()
		const known = table.get(`${request.method} ${route}`)
		if (!known) return
		screen('body', body, known.body)
		screen('query', query, known.query)
		// Routes with a schema check the scope in their handler; these have no handler code for it.
		const auth = known.scopeOnly.query || known.scopeOnly.body ? maybeAuthContextOf(request) : null
		if (auth && known.scopeOnly.query) assertScope(auth, scopeOf(query))
		if (auth && known.scopeOnly.body) assertScope(auth, scopeOf(body))
	}
}

function scopeOf(value: unknown): { org_id?: string; env_id?: string } {
	const q = (value !== null && typeof value === 'object' ? value : {}) as Record<string, unknown>
	return { org_id: typeof q.org_id === 'string' ? q.org_id : undefined, env_id: typeof q.env_id === 'string' ? q.env_id : undefined }
}
