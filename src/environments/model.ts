import { Type as t } from '@sinclair/typebox'
import { SINGLE_LINE_TEXT } from '../lib/text'

const Name = t.String({ minLength: 1, maxLength: 200, pattern: SINGLE_LINE_TEXT, description: 'Environment name', examples: ['Staging'] })
const Slug = t.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$', description: 'URL-safe slug, unique in the organization', examples: ['staging'] })

export const CreateEnvironmentBody = t.Object({ name: Name, slug: Slug }, { additionalProperties: false })
export const UpdateEnvironmentBody = t.Object({ name: t.Optional(Name), slug: t.Optional(Slug) }, { additionalProperties: false })

export const Environment = t.Object({
	id: t.String({ examples: ['env_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
	org_id: t.String(),
	name: t.String(),
	slug: t.String(),
	created_at: t.String({ description: 'ISO 8601' })
})

export const EnvironmentEnvelope = t.Object({ environment: Environment })
export const EnvironmentList = t.Object({ environments: t.Array(Environment) })
