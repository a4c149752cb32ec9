import { Elysia, t } from 'elysia'
import {
	ChannelEnvelope, ChannelList, ChannelTestResult, CreateChannelBody, CreateRuleBody, RuleEnvelope, RuleList, UpdateChannelBody, UpdateRuleBody
} from '../../alerts/model'
import type { AppContext } from '../../context'
import { authContextOf } from '../auth'
import { ErrorResponses, Success } from '../openapi-shared'
import { canonicalPathIds } from '../path-ids'

const ChannelId = t.Object({ id: t.String({ examples: ['nc_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })
const RuleId = t.Object({ id: t.String({ examples: ['ar_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })

/** Reference §2.11. */
export function channelRoutes(ctx: AppContext) {
	const svc = ctx.ops.channels
	const tags = ['Notification channels']
	return new Elysia({ name: 'routes.channels', prefix: '/v1/notification-channels' })
		.use(canonicalPathIds('nc'))
		.post('', async ({ body, request, set }) => {
			const channel = await svc.create(authContextOf(request), body)
			set.status = 201
			return { channel }
		}, {
			body: CreateChannelBody,
			parse: 'json',
			response: { 201: ChannelEnvelope, ...ErrorResponses },
			detail: { summary: 'Create a notification channel', description: 'Alert payloads go to webhook, Slack, Discord or email channels; every HTTP send passes the SSRF guard.', tags }
		})
		.get('', async ({ request }) => ({ channels: await svc.list(authContextOf(request)) }), {
			response: { 200: ChannelList, ...ErrorResponses },
			detail: { summary: 'List notification channels', tags }
		})
		.get('/:id', async ({ params, request }) => ({ channel: await svc.get(authContextOf(request), params.id) }), {
			params: ChannelId,
			response: { 200: ChannelEnvelope, ...ErrorResponses },
			detail: { summary: 'Get a notification channel', tags }
		})
		.patch('/:id', async ({ params, body, request }) => ({ channel: await svc.update(authContextOf(request), params.id, body) }), {
			params: ChannelId,
			body: UpdateChannelBody,
			parse: 'json',
			response: { 200: ChannelEnvelope, ...ErrorResponses },
			detail: { summary: 'Update a notification channel', description: 'A new config replaces the old one whole (the type cannot change).', tags }
		})
		.delete('/:id', async ({ params, request }) => {
			await svc.remove(authContextOf(request), params.id)
			return { success: true as const }
		}, {
			params: ChannelId,
			response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Delete a notification channel', tags }
		})
		.post('/:id/test', async ({ params, request }) => svc.test(authContextOf(request), params.id), {
			params: ChannelId,
			response: { 200: ChannelTestResult, ...ErrorResponses },
			detail: { summary: 'Send a test notification', description: 'Sends an alert.test payload; updates last_sent_at, error_count and last_error.', tags }
		})
}

/** Reference §2.10. */
export function alertRuleRoutes(ctx: AppContext) {
	const svc = ctx.ops.rules
	const tags = ['Alert rules']
	return new Elysia({ name: 'routes.alert-rules', prefix: '/v1/alert-rules' })
		.use(canonicalPathIds('ar'))
		.post('', async ({ body, request, set }) => {
			const alert_rule = await svc.create(authContextOf(request), body)
			set.status = 201
			return { alert_rule }
		}, {
			body: CreateRuleBody,
			parse: 'json',
			response: { 201: RuleEnvelope, ...ErrorResponses },
			detail: { summary: 'Create an alert rule', description: 'Evaluated every --alert-interval-seconds (default 300) over its window (rule_config.window_minutes, default 15).', tags }
		})
		.get('', async ({ request }) => ({ alert_rules: await svc.list(authContextOf(request)) }), {
			response: { 200: RuleList, ...ErrorResponses },
			detail: { summary: 'List alert rules', tags }
		})
		.get('/:id', async ({ params, request }) => ({ alert_rule: await svc.get(authContextOf(request), params.id) }), {
			params: RuleId,
			response: { 200: RuleEnvelope, ...ErrorResponses },
			detail: { summary: 'Get an alert rule', tags }
		})
		.patch('/:id', async ({ params, body, request }) => ({ alert_rule: await svc.update(authContextOf(request), params.id, body) }), {
			params: RuleId,
			body: UpdateRuleBody,
			parse: 'json',
			response: { 200: RuleEnvelope, ...ErrorResponses },
			detail: { summary: 'Update an alert rule', description: 'rule_type cannot change.', tags }
		})
		.delete('/:id', async ({ params, request }) => {
			await svc.remove(authContextOf(request), params.id)
			return { success: true as const }
		}, {
			params: RuleId,
			response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Delete an alert rule', tags }
		})
}
