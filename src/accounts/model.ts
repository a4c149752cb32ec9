import { Type as t } from '@sinclair/typebox'
import { Environment } from '../environments/model'
import { SINGLE_LINE_TEXT } from '../lib/text'

/** Wire schemas of the accounts routes (OpenAPI and response checks). */
export const RoleSchema = t.Union([t.Literal('owner'), t.Literal('admin'), t.Literal('member'), t.Literal('viewer')])

export const CreateApiKeyBody = t.Object(
	{
		name: t.String({ minLength: 1, maxLength: 200, pattern: SINGLE_LINE_TEXT, examples: ['Production Backend'] }),
		env_id: t.Optional(t.String({ description: 'Environment of the key (default: the request\'s environment)' }))
	},
	{ additionalProperties: false }
)

export const CreatedApiKey = t.Object({
	id: t.String({ examples: ['ak_8f3a1b2c4d5e6f7a'] }),
	name: t.String(),
	key: t.String({ description: 'The plaintext key: shown only in this response', examples: [`hs_live_${'a1b2'.repeat(16)}`] }),
	key_prefix: t.String({ examples: ['hs_live_a1b2'] }),
	scopes: t.Union([t.Array(t.String()), t.Null()]),
	env_id: t.String(),
	created_at: t.String()
})

export const ApiKeyItem = t.Object({
	id: t.String(),
	name: t.String(),
	key_prefix: t.String(),
	scopes: t.Union([t.Array(t.String()), t.Null()]),
	env_id: t.String(),
	request_count: t.Integer(),
	revoked: t.Boolean(),
	created_at: t.String(),
	last_used_at: t.Union([t.String(), t.Null()])
})
export const ApiKeyList = t.Object({ api_keys: t.Array(ApiKeyItem) })

export const Member = t.Object({ id: t.String(), user_id: t.String(), email: t.String(), name: t.String(), role: RoleSchema, created_at: t.String() })
export const MemberList = t.Object({ members: t.Array(Member) })
export const MemberEnvelope = t.Object({ member: Member })
export const UpdateMemberBody = t.Object({ role: RoleSchema }, { additionalProperties: false })

export const Invitation = t.Object({
	id: t.String(), org_id: t.String(), email: t.String(), role: RoleSchema, status: t.String(), expires_at: t.String(), created_at: t.String()
})
export const InviteBody = t.Object({ email: t.String({ minLength: 3, maxLength: 254 }), role: t.Optional(RoleSchema) }, { additionalProperties: false })
export const InvitationCreated = t.Object({
	invitation: Invitation,
	invite_url: t.String({ description: 'Link to send the invitee: the dashboard page where they choose a name and password and accept (the API twin: GET /v1/invitations/{id}, POST /v1/invitations/{id}/accept)' }),
	email_sent: t.Boolean()
})
export const InvitationList = t.Object({ invitations: t.Array(Invitation) })
export const InvitationView = t.Object({
	invitation: Invitation,
	organization: t.Object({ id: t.String(), name: t.String() }),
	accept_url: t.String()
})
export const AcceptBody = t.Object(
	{
		name: t.Optional(t.String({ minLength: 1, maxLength: 200, pattern: SINGLE_LINE_TEXT })),
		password: t.Optional(t.String({ minLength: 1, maxLength: 128, description: 'Required when the invited email has no account yet' }))
	},
	{ additionalProperties: false }
)
export const Accepted = t.Object({ member: Member, organization: t.Object({ id: t.String(), name: t.String() }) })

export const Me = t.Object({
	user: t.Union([t.Object({ id: t.String(), email: t.String(), name: t.String() }), t.Null()]),
	organization: t.Object({ id: t.String(), name: t.String() }),
	role: RoleSchema,
	environment: Environment,
	environments: t.Array(Environment),
	api_key: t.Union([t.Object({ id: t.String() }), t.Null()])
})

const Quota = t.Object({ used: t.Integer(), limit: t.Union([t.Integer(), t.Null()]) })
export const Usage = t.Object({
	plan: t.Literal('self_hosted'),
	events: t.Object({ used: t.Integer(), limit: t.Union([t.Integer(), t.Null()]), percentage: t.Union([t.Integer(), t.Null()]) }),
	sources: Quota,
	destinations: Quota,
	environments: Quota,
	retention_days: t.Integer()
})

export const DeviceCode = t.Object({
	device_code: t.String(), user_code: t.String({ examples: ['WDJB-MJHT'] }), verification_url: t.String(), expires_in: t.Integer(), interval: t.Integer()
})
export const DeviceTokenBody = t.Object({ device_code: t.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })
export const DeviceToken = t.Object({ api_key: t.String(), key_prefix: t.String(), org_id: t.String(), env_id: t.String() })
export const DeviceApproveBody = t.Object({ user_code: t.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false })
