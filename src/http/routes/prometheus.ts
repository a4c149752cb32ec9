import { timingSafeEqual } from 'node:crypto'
import { Elysia, t } from 'elysia'
import type { AppContext } from '../../context'
import { Unauthorized } from '../../lib/errors'
import { ErrorEnvelope } from '../openapi-shared'

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

function sameSecret(a: string, b: string): boolean {
	const x = Buffer.from(a)
	const y = Buffer.from(b)
	return x.length === y.length && timingSafeEqual(x, y)
}

/** Prometheus scrape endpoint, outside /v1: API keys do not apply; `--metrics-token` guards it when set. */
export function prometheusRoutes(ctx: AppContext) {
	const token = ctx.config.metricsToken
	return new Elysia({ name: 'routes.prometheus' }).get('/metrics', async ({ request }) => {
		if (token !== null) {
			const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')
			if (!match?.[1] || !sameSecret(match[1], token)) throw new Unauthorized('Invalid or missing metrics token: send Authorization: Bearer <--metrics-token>')
		}
		const body = await ctx.ops.scrape()
		return new Response(body, { headers: { 'content-type': CONTENT_TYPE } })
	}, {
		response: { 200: t.String({ description: 'Prometheus text exposition format 0.0.4' }), 401: ErrorEnvelope },
		detail: {
			summary: 'Prometheus metrics',
			description: 'Every metric is named hookstream_*. Counters of stored events and attempts advance when the metrics rollup folds them in (within a few seconds). With --metrics-token set, send Authorization: Bearer <token>.',
			tags: ['Metrics'],
			security: [{ metricsToken: [] }]
		}
	})
}
