import { Elysia } from 'elysia'
import { asId, type IdPrefix } from '../lib/ids'

/**
 * Puts the `:id` path parameter of every route after it in canonical form, before
 * validation and the handler: hookstream.io's generated reference shows path ids
 * bare (32 hex, no prefix), so `/v1/sources/<hex>` means `src_<hex>`. Doing it once
 * here means no service, cache key or write below ever sees a bare id. A value
 * that is no id of this kind is left as is: it names nothing, and the lookup 404s.
 *
 * Used by each resource's routes: `new Elysia({ prefix }).use(canonicalPathIds('src'))`.
 */
export function canonicalPathIds(prefix: IdPrefix) {
	// Unnamed on purpose: Elysia dedupes named plugins, and each resource needs its own.
	return new Elysia().onTransform({ as: 'scoped' }, ({ params }) => {
		// Routes without path parameters have no params object at all.
		const p = params as Record<string, string | undefined> | undefined
		if (typeof p?.id === 'string') p.id = asId(prefix, p.id) ?? p.id
	})
}
