import { Elysia, t } from 'elysia'
import type { AppContext } from '../../context'
import { CreateReplayBody, ReplayEnvelope, ReplayList } from '../../replay/model'
import { authContextOf } from '../auth'
import { ErrorResponses } from '../openapi-shared'
import { canonicalPathIds } from '../path-ids'

const IdParams = t.Object({ id: t.String({ examples: ['rpl_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })
const tags = ['Replay']

/** Reference §2.7. */
export function replayRoutes(ctx: AppContext) {
	const svc = ctx.ops.replay
	return new Elysia({ name: 'routes.replay', prefix: '/v1/replay' })
		.use(canonicalPathIds('rpl'))
		.post('', async ({ body, request, set }) => {
			const job = await svc.create(authContextOf(request), body)
			set.status = 201
			return { job }
		}, {
			body: CreateReplayBody,
			parse: 'json',
			response: { 201: ReplayEnvelope, ...ErrorResponses },
			detail: {
				summary: 'Replay a time range to a destination',
				description: 'Selects the events received in [from, to] that reach destination_id through a connection (its filters applied, then `filter`), oldest first, at most max_events, and re-delivers them through the normal pipeline at rate_limit events per second. Survives restarts. 404 "Destination or events not found" when nothing matches.',
				tags
			}
		})
		.get('', async ({ request }) => ({ jobs: await svc.list(authContextOf(request)) }), {
			response: { 200: ReplayList, ...ErrorResponses },
			detail: { summary: 'List replay jobs', description: 'The 50 most recent; finished jobs are kept 7 days.', tags }
		})
		.get('/:id', async ({ params, request }) => ({ job: await svc.get(authContextOf(request), params.id) }), {
			params: IdParams,
			response: { 200: ReplayEnvelope, ...ErrorResponses },
			detail: { summary: 'Get a replay job with its progress', tags }
		})
		.delete('/:id', async ({ params, request }) => ({ job: await svc.cancel(authContextOf(request), params.id) }), {
			params: IdParams,
			response: { 200: ReplayEnvelope, ...ErrorResponses },
			detail: { summary: 'Cancel a running replay job', description: 'Stops adding deliveries and takes back those not yet tried; deliveries already in flight finish. 400 when the job is not running.', tags }
		})
}
