/**
 * Which methods a path has, from the app's own route table: a known path asked
 * with a method it lacks is a 405 with `Allow`, not a 404 (RFC 9110 §15.5.6).
 */
export interface RouteLike {
	method: string
	path: string
}

interface Pattern {
	regex: RegExp
	methods: Set<string>
}

/** `/v1/sources/:id` → a regex for the whole path; a parameter is one non-empty segment. */
function patternOf(path: string): RegExp {
	const parts = path.split('/').map((segment) => {
		if (segment.startsWith(':')) return '[^/]+'
		if (segment === '*') return '.*'
		return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
	})
	return new RegExp(`^${parts.join('/')}$`)
}

/** Builds the lookup once, on first use (the route table is complete by then). */
export function allowedMethods(routes: () => readonly RouteLike[], opts: { headWithGet?: boolean } = {}): (path: string) => string[] {
	const headWithGet = opts.headWithGet ?? true
	let patterns: Pattern[] | null = null
	const build = () => {
		const byPath = new Map<string, Set<string>>()
		for (const route of routes()) {
			const methods = byPath.get(route.path) ?? new Set<string>()
			methods.add(route.method.toUpperCase())
			byPath.set(route.path, methods)
		}
		return [...byPath].map(([path, methods]) => {
			// The runtime answers HEAD wherever GET is served (Elysia's routes; not Better Auth's own router).
			if (headWithGet && methods.has('GET')) methods.add('HEAD')
			return { regex: patternOf(path), methods }
		})
	}
	return (path) => {
		patterns ??= build()
		const allowed = new Set<string>()
		for (const p of patterns) if (p.regex.test(path)) for (const m of p.methods) allowed.add(m)
		return ORDER.filter((m) => allowed.has(m))
	}
}

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']
