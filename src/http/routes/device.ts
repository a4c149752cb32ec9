import { Elysia } from 'elysia'
import { DeviceApproveBody, DeviceCode, DeviceToken, DeviceTokenBody } from '../../accounts/model'
import type { AppContext } from '../../context'
import { ClientIpResolver } from '../../ingest/client-ip'
import { authContextOf } from '../auth'
import { baseUrlOf } from '../base-url'
import { ErrorResponses, Success } from '../openapi-shared'
import { peerOf } from '../peer'

const tags = ['API keys']

/** `hookstream login`: device codes (public), approval (a signed-in member), token poll (public). */
export function deviceRoutes(ctx: AppContext) {
	const { devices } = ctx.accounts
	const clientIp = new ClientIpResolver(ctx.config.trustedProxies)
	return new Elysia({ name: 'routes.device', prefix: '/v1/auth/device' })
		.post('/code', ({ request }) => devices.start(baseUrlOf(ctx.config, request), clientIp.resolve(peerOf(request), request.headers.get('x-forwarded-for'))), {
			response: { 200: DeviceCode, ...ErrorResponses },
			detail: { summary: 'Start a CLI device login', description: 'Show user_code to the person; poll /token every `interval` seconds. Codes expire in 15 minutes. At most 30 codes per client address per hour (then 429 with Retry-After).', tags, security: [] }
		})
		.post('/token', ({ body }) => devices.poll(body.device_code), {
			body: DeviceTokenBody,
			parse: 'json',
			response: { 200: DeviceToken, ...ErrorResponses },
			detail: {
				summary: 'Poll for the CLI\'s API key',
				description: '400 with error_code authorization_pending, slow_down, expired_token or invalid_grant until approved; then the key, once.',
				tags, security: []
			}
		})
		.post('/approve', async ({ body, request }) => {
			await devices.approve(authContextOf(request), body.user_code)
			return { success: true as const }
		}, {
			body: DeviceApproveBody,
			parse: 'json',
			response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Approve a CLI device login', description: 'Session only. The CLI gets a key for the current environment (read-only for viewers).', tags }
		})
}
