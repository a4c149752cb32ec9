import { Elysia, t } from 'elysia'
import { RetryResult } from '../../attempts/model'
import type { AppContext } from '../../context'
import { IssueEnvelope, IssueList, IssueSummary, UpdateIssueBody } from '../../issues/model'
import { assertScope, authContextOf } from '../auth'
import { ErrorResponses } from '../openapi-shared'
import { canonicalPathIds } from '../path-ids'

const IdParams = t.Object({ id: t.String({ examples: ['iss_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })
const tags = ['Issues']

const ListIssuesQuery = t.Object(
	{
		status: t.Optional(t.Union(['open', 'acknowledged', 'resolved', 'all'].map((s) => t.Literal(s)), { description: 'Default open' })),
		destination_id: t.Optional(t.String()),
		limit: t.Optional(t.Integer({ minimum: 1, maximum: 100 })),
		offset: t.Optional(t.Integer({ minimum: 0, maximum: 100000 })),
		org_id: t.Optional(t.String()),
		env_id: t.Optional(t.String())
	},
	{ additionalProperties: false }
)

export function issueRoutes(ctx: AppContext) {
	return new Elysia({ name: 'routes.issues', prefix: '/v1/issues' })
		.use(canonicalPathIds('iss'))
		.get('', async ({ query, request }) => {
			const auth = authContextOf(request)
			assertScope(auth, query)
			return ctx.issues.list(auth, query)
		}, {
			query: ListIssuesQuery,
			response: { 200: IssueList, ...ErrorResponses },
			detail: { summary: 'List issues', description: 'One issue per destination and error type; most recent first.', tags }
		})
		.get('/summary', async ({ request }) => ctx.issues.summary(authContextOf(request)), {
			response: { 200: IssueSummary, ...ErrorResponses },
			detail: { summary: 'Count issues by status', tags }
		})
		.get('/:id', async ({ params, request }) => ({ issue: await ctx.issues.get(authContextOf(request), params.id) }), {
			params: IdParams,
			response: { 200: IssueEnvelope, ...ErrorResponses },
			detail: { summary: 'Get an issue', tags }
		})
		.patch('/:id', async ({ params, body, request }) => ({ issue: await ctx.issues.update(authContextOf(request), params.id, body) }), {
			params: IdParams,
			body: UpdateIssueBody,
			parse: 'json',
			response: { 200: IssueEnvelope, ...ErrorResponses },
			detail: { summary: 'Update an issue', description: 'Acknowledge, resolve or reopen; snooze until a time (`snoozed_until`), or null to unsnooze.', tags }
		})
		.post('/:id/retry', async ({ params, request }) => ctx.issues.retry(authContextOf(request), params.id), {
			params: IdParams,
			response: { 200: RetryResult, ...ErrorResponses },
			detail: { summary: 'Retry every failed delivery of an issue', tags }
		})
}
