import { Elysia, t } from 'elysia'
import type { AppContext } from '../../context'
import { CreateEnvironmentBody, EnvironmentEnvelope, EnvironmentList, UpdateEnvironmentBody } from '../../environments/model'
import { environmentWire } from '../../environments/service'
import { authContextOf } from '../auth'
import { ErrorResponses, Success } from '../openapi-shared'
import { canonicalPathIds } from '../path-ids'

const IdParams = t.Object({ id: t.String({ description: 'Environment ID', examples: ['env_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })
const tags = ['Environments']

/** An organization's environments (the UI calls them projects). Writes: admins and owners, signed in. */
export function environmentRoutes(ctx: AppContext) {
	const envs = ctx.environments
	return new Elysia({ name: 'routes.environments', prefix: '/v1/environments' })
		.use(canonicalPathIds('env'))
		.get('', async ({ request }) => ({ environments: (await envs.list(authContextOf(request))).map(environmentWire) }), {
			response: { 200: EnvironmentList, ...ErrorResponses },
			detail: { summary: 'List environments', description: 'Every environment of the caller\'s organization, oldest first.', tags }
		})
		.post('', async ({ body, request, set }) => {
			const row = await envs.create(authContextOf(request), body)
			set.status = 201
			return { environment: environmentWire(row) }
		}, {
			body: CreateEnvironmentBody,
			parse: 'json',
			response: { 201: EnvironmentEnvelope, ...ErrorResponses },
			detail: { summary: 'Create an environment', description: '409 when the slug is taken in the organization; 403 "Plan limit reached" at --max-environments.', tags }
		})
		.get('/:id', async ({ params, request }) => ({ environment: environmentWire(await envs.get(authContextOf(request), params.id)) }), {
			params: IdParams,
			response: { 200: EnvironmentEnvelope, ...ErrorResponses },
			detail: { summary: 'Get an environment', tags }
		})
		.patch('/:id', async ({ params, body, request }) => ({ environment: environmentWire(await envs.update(authContextOf(request), params.id, body)) }), {
			params: IdParams,
			body: UpdateEnvironmentBody,
			parse: 'json',
			response: { 200: EnvironmentEnvelope, ...ErrorResponses },
			detail: { summary: 'Rename an environment', tags }
		})
		.delete('/:id', async ({ params, query, request }) => {
			await envs.remove(authContextOf(request), params.id, query.force === 'true')
			return { success: true as const }
		}, {
			params: IdParams,
			query: t.Object({ force: t.Optional(t.Union([t.Literal('true'), t.Literal('false')], { description: 'Also delete everything in it' })) }, { additionalProperties: false }),
			response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Delete an environment', description: '409 when it still holds sources, destinations, events or live API keys (unless ?force=true), or is the last one.', tags }
		})
}
