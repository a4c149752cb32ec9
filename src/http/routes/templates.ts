import { Elysia, t } from 'elysia'
import { NotFound } from '../../lib/errors'
import { getTemplate, listTemplates } from '../../templates'
import { Template } from '../../templates/model'
import { ErrorEnvelope } from '../openapi-shared'

export function templateRoutes() {
	return new Elysia({ name: 'routes.templates', prefix: '/v1/templates' })
		.get('', () => ({ templates: listTemplates() }), {
			detail: { summary: 'List source templates', description: 'The bundled provider templates: scheme, headers, secret format, tolerance, dedup hint, docs URL, category, the handshake the provider sends (if any) and a sample event in the provider\'s own body format.', tags: ['Templates'] },
			response: { 200: t.Object({ templates: t.Array(Template) }), 401: ErrorEnvelope }
		})
		.get('/:slug', ({ params }) => {
			const template = getTemplate(params.slug)
			if (!template) throw new NotFound('Template')
			return { template }
		}, {
			params: t.Object({ slug: t.String({ examples: ['stripe'] }) }),
			detail: { summary: 'Get a source template', tags: ['Templates'] },
			response: { 200: t.Object({ template: Template }), 401: ErrorEnvelope, 404: ErrorEnvelope }
		})
}
