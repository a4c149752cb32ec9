import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Role } from '../../../src/accounts/repo'
import { isPublicPath } from '../../../src/http/auth'
import { makeTestApp, type TestApp } from '../../helpers'
import { addUser, asUser, json } from '../../accounts-helpers'

/**
 * Every cell of the README's "who may do what" table, with a real request:
 * rows are actions, columns the four roles and an API key.
 */
type Call = (method: string, path: string, opts?: { body?: unknown }) => Promise<Response>
type Who = Role | 'api_key'

let t: TestApp
const callers = {} as Record<Who, Call>
let owner: Call
let n = 0
const unique = () => `x${++n}-${Math.random().toString(16).slice(2, 8)}`

beforeAll(async () => {
	t = await makeTestApp()
	for (const role of ['owner', 'admin', 'member', 'viewer'] as Role[]) callers[role] = (await asUser(t, `${role}@example.com`, role)).call
	callers.api_key = (method, path, opts = {}) => t.call(method, path, opts)
	owner = callers.owner
})
afterAll(async () => {
	await t.close()
})

/** A fresh member to act on (so each cell has its own target). */
async function freshMember(role: Role = 'member'): Promise<string> {
	const user = await addUser(t, `${unique()}@example.com`, role)
	const { members } = await json(await owner('GET', '/v1/members'))
	return members.find((m: { user_id: string }) => m.user_id === user.id).id
}

const ACTIONS: Record<string, { allowed: Who[]; run: (call: Call) => Promise<Response> }> = {
	'read resources (GET /v1/sources)': { allowed: ['owner', 'admin', 'member', 'viewer', 'api_key'], run: (c) => c('GET', '/v1/sources') },
	'write resources (POST /v1/sources)': {
		allowed: ['owner', 'admin', 'member', 'api_key'],
		run: (c) => c('POST', '/v1/sources', { body: { name: 's', slug: unique() } })
	},
	'read environments': { allowed: ['owner', 'admin', 'member', 'viewer', 'api_key'], run: (c) => c('GET', '/v1/environments') },
	'create an environment': { allowed: ['owner', 'admin'], run: (c) => c('POST', '/v1/environments', { body: { name: 'e', slug: unique() } }) },
	'rename an environment': {
		allowed: ['owner', 'admin'],
		run: async (c) => {
			const env = (await json(await owner('POST', '/v1/environments', { body: { name: 'e', slug: unique() } }))).environment.id
			return c('PATCH', `/v1/environments/${env}`, { body: { name: 'renamed' } })
		}
	},
	'delete an environment': {
		allowed: ['owner', 'admin'],
		run: async (c) => {
			const env = (await json(await owner('POST', '/v1/environments', { body: { name: 'e', slug: unique() } }))).environment.id
			return c('DELETE', `/v1/environments/${env}`)
		}
	},
	'create an API key': { allowed: ['owner', 'admin'], run: (c) => c('POST', '/v1/auth/api-keys', { body: { name: 'k' } }) },
	'list API keys': { allowed: ['owner', 'admin'], run: (c) => c('GET', '/v1/auth/api-keys') },
	'revoke an API key': {
		allowed: ['owner', 'admin'],
		run: async (c) => c('DELETE', `/v1/auth/api-keys/${(await json(await owner('POST', '/v1/auth/api-keys', { body: { name: 'k' } }))).id}`)
	},
	'list members and invitations': {
		allowed: ['owner', 'admin', 'member', 'viewer', 'api_key'],
		run: async (c) => {
			const res = await c('GET', '/v1/members')
			return res.ok ? c('GET', '/v1/invitations') : res
		}
	},
	'invite someone': { allowed: ['owner', 'admin'], run: (c) => c('POST', '/v1/invitations', { body: { email: `${unique()}@example.com`, role: 'viewer' } }) },
	'cancel an invitation': {
		allowed: ['owner', 'admin'],
		run: async (c) => {
			const inv = await json(await owner('POST', '/v1/invitations', { body: { email: `${unique()}@example.com` } }))
			return c('DELETE', `/v1/invitations/${inv.invitation.id}`)
		}
	},
	'change a member\'s role': { allowed: ['owner', 'admin'], run: async (c) => c('PATCH', `/v1/members/${await freshMember()}`, { body: { role: 'viewer' } }) },
	'remove a member': { allowed: ['owner', 'admin'], run: async (c) => c('DELETE', `/v1/members/${await freshMember()}`) },
	'change an owner\'s role': { allowed: ['owner'], run: async (c) => c('PATCH', `/v1/members/${await freshMember('owner')}`, { body: { role: 'admin' } }) },
	'remove an owner': { allowed: ['owner'], run: async (c) => c('DELETE', `/v1/members/${await freshMember('owner')}`) },
	'make someone an owner': { allowed: ['owner'], run: async (c) => c('PATCH', `/v1/members/${await freshMember()}`, { body: { role: 'owner' } }) },
	'invite an owner': { allowed: ['owner'], run: (c) => c('POST', '/v1/invitations', { body: { email: `${unique()}@example.com`, role: 'owner' } }) },
	'approve a CLI device login': {
		allowed: ['owner', 'admin', 'member', 'viewer'],
		run: async (c) => c('POST', '/v1/auth/device/approve', { body: { user_code: (await json(await t.call('POST', '/v1/auth/device/code', { key: null }))).user_code } })
	},
	'read /v1/me and /v1/billing/usage': {
		allowed: ['owner', 'admin', 'member', 'viewer', 'api_key'],
		run: async (c) => {
			const res = await c('GET', '/v1/me')
			return res.ok ? c('GET', '/v1/billing/usage') : res
		}
	}
}

describe('who may do what (every cell)', () => {
	for (const [action, { allowed, run }] of Object.entries(ACTIONS)) {
		for (const who of ['owner', 'admin', 'member', 'viewer', 'api_key'] as Who[]) {
			const ok = allowed.includes(who)
			it(`${who}: ${action} → ${ok ? 'allowed' : '403'}`, async () => {
				const res = await run(callers[who])
				if (ok) expect(res.status).toBeLessThan(300)
				else {
					expect(res.status).toBe(403)
					expect((await json(res)).status).toBe(403)
				}
			})
		}
	}
})

describe('viewers read only', () => {
	it('every state-changing /v1 route is a 403 for a viewer, whatever the body', async () => {
		const routes = t.app.routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && r.path.startsWith('/v1/'))
		const checked: string[] = []
		for (const r of routes) {
			const path = r.path.replaceAll(/:(\w+)/g, 'x').replace('*', 'x')
			// Approving their own CLI login is open to viewers: the key it yields is read-only (tested below).
			if (isPublicPath(path, r.method) || path === '/v1/auth/device/approve') continue
			const methods = r.method === 'ALL' ? ['POST', 'PUT', 'PATCH', 'DELETE'] : [r.method]
			for (const method of methods) {
				const res = await callers.viewer(method, path, { body: {} })
				expect({ route: `${method} ${r.path}`, status: res.status }).toEqual({ route: `${method} ${r.path}`, status: 403 })
				checked.push(`${method} ${r.path}`)
			}
		}
		expect(checked.length).toBeGreaterThan(20)
		expect(checked).toContain('POST /v1/sources')
		expect(checked).toContain('DELETE /v1/auth/api-keys/:id')
	})

	it('a viewer\'s device login yields a read-only key', async () => {
		const code = await json(await t.call('POST', '/v1/auth/device/code', { key: null }))
		expect((await callers.viewer('POST', '/v1/auth/device/approve', { body: { user_code: code.user_code } })).status).toBe(200)
		const { api_key } = await json(await t.call('POST', '/v1/auth/device/token', { key: null, body: { device_code: code.device_code } }))
		expect((await t.call('GET', '/v1/sources', { key: api_key })).status).toBe(200)
		expect((await t.call('POST', '/v1/sources', { key: api_key, body: { name: 'v', slug: unique() } })).status).toBe(403)
	})
})

describe('owners are protected', () => {
	it('the last owner can be neither demoted nor removed (409)', async () => {
		const solo = await makeTestApp()
		try {
			const only = await asUser(solo, 'only@example.com', 'owner')
			const { members } = await json(await only.call('GET', '/v1/members'))
			expect((await only.call('PATCH', `/v1/members/${members[0].id}`, { body: { role: 'admin' } })).status).toBe(409)
			expect((await only.call('DELETE', `/v1/members/${members[0].id}`)).status).toBe(409)
		} finally {
			await solo.close()
		}
	})
})
