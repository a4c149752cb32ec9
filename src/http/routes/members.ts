import { Elysia, t } from 'elysia'
import { Accepted, AcceptBody, InvitationCreated, InvitationList, InvitationView, InviteBody, MemberEnvelope, MemberList, UpdateMemberBody } from '../../accounts/model'
import { invitationWire, memberWire } from '../../accounts/members'
import type { AppContext } from '../../context'
import { assertSameOrigin, authContextOf, hasSessionCookie } from '../auth'
import { baseUrlOf } from '../base-url'
import { canonicalPathIds } from '../path-ids'
import { ErrorResponses, Success } from '../openapi-shared'

const MemberParams = t.Object({ id: t.String({ examples: ['mem_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })
const InvitationParams = t.Object({ id: t.String({ examples: ['inv_7700e40b162bd740f4ad1c767dc0e0ed'] }) })

/** Team: members and invitations. Reads for every member; writes for admins and owners (src/accounts/roles.ts). */
export function memberRoutes(ctx: AppContext) {
	const { members } = ctx.accounts
	const tags = ['Members']
	return new Elysia({ name: 'routes.members', prefix: '/v1/members' })
		.use(canonicalPathIds('mem'))
		.get('', async ({ request }) => ({ members: (await members.list(authContextOf(request))).map(memberWire) }), {
			response: { 200: MemberList, ...ErrorResponses },
			detail: { summary: 'List members', tags }
		})
		.patch('/:id', async ({ params, body, request }) => ({ member: memberWire(await members.changeRole(authContextOf(request), params.id, body.role)) }), {
			params: MemberParams,
			body: UpdateMemberBody,
			parse: 'json',
			response: { 200: MemberEnvelope, ...ErrorResponses },
			detail: { summary: 'Change a member\'s role', description: 'Admins cannot change an owner or make one; an organization keeps at least one owner (409).', tags }
		})
		.delete('/:id', async ({ params, request }) => {
			await members.remove(authContextOf(request), params.id)
			return { success: true as const }
		}, {
			params: MemberParams,
			response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Remove a member', description: 'Admins cannot remove an owner; the last owner cannot be removed (409).', tags }
		})
}

export function invitationRoutes(ctx: AppContext) {
	const { members, sessions, auth, overview } = ctx.accounts
	const tags = ['Members']
	return new Elysia({ name: 'routes.invitations', prefix: '/v1/invitations' })
		.use(canonicalPathIds('inv'))
		.post('', async ({ body, request, set }) => {
			const res = await members.invite(authContextOf(request), body.email, body.role ?? 'member', baseUrlOf(ctx.config, request))
			set.status = 201
			return { invitation: res.invitation, invite_url: res.url, email_sent: res.sent }
		}, {
			body: InviteBody,
			parse: 'json',
			response: { 201: InvitationCreated, ...ErrorResponses },
			detail: { summary: 'Invite someone', description: 'Returns the invitation link to pass on (no email server needed). Default role member.', tags }
		})
		.get('', async ({ request }) => ({ invitations: (await members.pending(authContextOf(request))).map(invitationWire) }), {
			response: { 200: InvitationList, ...ErrorResponses },
			detail: { summary: 'List pending invitations', tags }
		})
		.delete('/:id', async ({ params, request }) => {
			await members.cancel(authContextOf(request), params.id)
			return { success: true as const }
		}, {
			params: InvitationParams,
			response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Cancel an invitation', tags }
		})
		.get('/:id', async ({ params, request }) => {
			const inv = await members.show(params.id)
			const name = await overview.organizationName(inv.organizationId)
			return { invitation: invitationWire(inv), organization: { id: inv.organizationId, name }, accept_url: `${baseUrlOf(ctx.config, request)}/v1/invitations/${inv.id}/accept` }
		}, {
			params: InvitationParams,
			response: { 200: InvitationView, ...ErrorResponses },
			detail: { summary: 'Show an invitation (public: the id is the secret of the link)', tags, security: [] }
		})
		.post('/:id/accept', async ({ params, body, request, set }) => {
			const session = hasSessionCookie(request.headers) ? await sessions.user(request.headers) : null
			// Joining with an existing account rides on its cookie: the same CSRF rule as every cookie write.
			if (session) assertSameOrigin(request, ctx.config.publicUrl)
			const res = await members.accept(params.id, session, body ?? {})
			const name = await overview.organizationName(res.member.organizationId)
			set.status = 201
			if (res.createdUser && body?.password) {
				// Sign the new member in: the response carries their session cookie.
				const signedIn = await (await auth()).api.signInEmail({ body: { email: res.email, password: body.password }, asResponse: true })
				for (const c of signedIn.headers.getSetCookie()) set.headers['set-cookie'] = c
			}
			return { member: memberWire(res.member), organization: { id: res.member.organizationId, name } }
		}, {
			params: InvitationParams,
			body: t.Optional(AcceptBody),
			parse: 'json',
			response: { 201: Accepted, ...ErrorResponses },
			detail: {
				summary: 'Accept an invitation',
				description: 'New people send {name, password} and are signed in (Set-Cookie); someone with an account must be signed in as the invited email.',
				tags, security: []
			}
		})
}
