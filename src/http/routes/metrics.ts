import { Elysia } from 'elysia'
import type { AppContext } from '../../context'
import { DeliveriesQuery, ErrorBreakdown, ErrorsQuery, LatencyQuery, LatencySeries, Overview, VolumeQuery, VolumeSeries, DeliveriesSeries } from '../../metrics/model'
import { assertScope, authContextOf } from '../auth'
import { ErrorResponses } from '../openapi-shared'

const tags = ['Metrics']
const window = 'Buckets are UTC hours or days whose start lies in [after, before); the default window is the last 24 hours. Served from hourly and daily rollups plus the rows not yet rolled up, so the numbers are exact and current.'

export function metricRoutes(ctx: AppContext) {
	const scoped = (request: Request, query: { org_id?: string | undefined; env_id?: string | undefined }) => {
		const auth = authContextOf(request)
		assertScope(auth, query)
		return auth
	}
	return new Elysia({ name: 'routes.metrics', prefix: '/v1/metrics' })
		.get('/overview', async ({ request }) => ctx.ops.metrics.overview(authContextOf(request)), {
			response: { 200: Overview, ...ErrorResponses },
			detail: { summary: 'Today at a glance', description: '"Today" starts at 00:00 UTC.', tags }
		})
		.get('/volume', async ({ query, request }) => ctx.ops.metrics.volume(scoped(request, query), query), {
			query: VolumeQuery,
			response: { 200: VolumeSeries, ...ErrorResponses },
			detail: { summary: 'Events received per bucket and source', description: window, tags }
		})
		.get('/deliveries', async ({ query, request }) => ctx.ops.metrics.deliveries(scoped(request, query), query), {
			query: DeliveriesQuery,
			response: { 200: DeliveriesSeries, ...ErrorResponses },
			detail: { summary: 'Delivery attempts per bucket and destination', description: window, tags }
		})
		.get('/latency', async ({ query, request }) => ctx.ops.metrics.latency(scoped(request, query), query), {
			query: LatencyQuery,
			response: { 200: LatencySeries, ...ErrorResponses },
			detail: { summary: 'Delivery latency percentiles per hour and destination', description: `${window} Percentiles come from a fixed histogram (bounds_ms) and are exact to its resolution.`, tags }
		})
		.get('/errors', async ({ query, request }) => ctx.ops.metrics.errors(scoped(request, query), query), {
			query: ErrorsQuery,
			response: { 200: ErrorBreakdown, ...ErrorResponses },
			detail: { summary: 'Failed attempts by destination and error type', description: `The error breakdown over the window, largest first. ${window}`, tags }
		})
}
