import { Elysia, t } from 'elysia'
import type { AppContext } from '../../context'
import { HeadersTooLarge } from '../openapi-shared'

export function healthRoutes(ctx: AppContext) {
	return new Elysia({ name: 'routes.health' })
		.get('/healthz', () => ({ status: 'ok' as const }), {
			detail: { summary: 'Liveness', description: 'The process is up.', tags: ['Health'], security: [] },
			response: { 200: t.Object({ status: t.Literal('ok') }), 431: HeadersTooLarge }
		})
		.get('/readyz', async ({ set }) => {
			if (await ctx.store.ready()) return { status: 'ready' }
			set.status = 503
			return { status: 'not_ready' }
		}, {
			detail: { summary: 'Readiness', description: 'The database is open and every migration is applied.', tags: ['Health'], security: [] },
			response: { 200: t.Object({ status: t.Literal('ready') }), 503: t.Object({ status: t.Literal('not_ready') }), 431: HeadersTooLarge }
		})
}
