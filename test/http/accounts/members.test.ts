import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../../helpers'
import { asUser, json, ORIGIN, PASSWORD, signIn } from '../../accounts-helpers'

let t: TestApp
let owner: Awaited<ReturnType<typeof asUser>>
beforeEach(async () => {
	t = await makeTestApp()
	owner = await asUser(t, 'owner@example.com', 'owner')
})
afterEach(async () => {
	await t.close()
})

async function invite(email: string, role = 'viewer') {
	const res = await owner.call('POST', '/v1/invitations', { body: { email, role } })
	expect(res.status).toBe(201)
	return json(res)
}

describe('invitations', () => {
	it('invite returns a link; the link shows the invitation; a new person accepts with a password and is signed in', async () => {
		const created = await invite('Vic@Example.com')
		expect(created.invitation).toMatchObject({ email: 'vic@example.com', role: 'viewer', status: 'pending' })
		expect(created.invitation.id).toMatch(/^inv_[0-9a-f]{32}$/)
		expect(created.invite_url).toBe(`http://localhost/dashboard/invitations/${created.invitation.id}`)
		expect(created.email_sent).toBe(false)
		const shown = await t.call('GET', `/v1/invitations/${created.invitation.id}`, { key: null })
		expect(shown.status).toBe(200)
		const view = await json(shown)
		expect(view.accept_url).toBe(`http://localhost/v1/invitations/${created.invitation.id}/accept`)
		expect(view.organization.name).toBe('Default organization')
		const accepted = await t.call('POST', `/v1/invitations/${created.invitation.id}/accept`, { key: null, body: { name: 'Vic', password: PASSWORD } })
		expect(accepted.status).toBe(201)
		const body = await json(accepted)
		expect(body.member).toMatchObject({ email: 'vic@example.com', name: 'Vic', role: 'viewer' })
		expect(JSON.stringify(body)).not.toContain(PASSWORD)
		const cookie = accepted.headers.getSetCookie().find((c) => c.startsWith('better-auth.session_token='))?.split(';')[0] ?? ''
		expect(cookie).not.toBe('')
		const me = await json(await t.call('GET', '/v1/me', { key: null, headers: { cookie } }))
		expect(me).toMatchObject({ role: 'viewer', user: { email: 'vic@example.com' } })
		// Used up: neither shown nor accepted again.
		expect((await t.call('GET', `/v1/invitations/${created.invitation.id}`, { key: null })).status).toBe(404)
		expect((await t.call('POST', `/v1/invitations/${created.invitation.id}/accept`, { key: null, body: { password: PASSWORD } })).status).toBe(404)
		// The viewer reads but does not write.
		expect((await t.call('GET', '/v1/sources', { key: null, headers: { cookie } })).status).toBe(200)
		expect((await t.call('POST', '/v1/sources', { key: null, headers: { cookie, origin: ORIGIN }, body: { name: 'v', slug: 'v' } })).status).toBe(403)
	})

	it('someone with an account must be signed in as the invited email', async () => {
		await t.ctx.accounts.users.create('bo@example.com', 'Bo', PASSWORD)
		const { invitation } = await invite('bo@example.com', 'member')
		expect((await t.call('POST', `/v1/invitations/${invitation.id}/accept`, { key: null, body: {} })).status).toBe(401)
		// Another signed-in person cannot take it.
		expect((await t.call('POST', `/v1/invitations/${invitation.id}/accept`, { key: null, headers: { cookie: owner.cookie, origin: ORIGIN }, body: {} })).status).toBe(401)
		const cookie = await signIn(t, 'bo@example.com')
		// The cookie alone from another site does not do it (CSRF).
		expect((await t.call('POST', `/v1/invitations/${invitation.id}/accept`, { key: null, headers: { cookie, origin: 'https://evil.example' }, body: {} })).status).toBe(403)
		const res = await t.call('POST', `/v1/invitations/${invitation.id}/accept`, { key: null, headers: { cookie, origin: ORIGIN }, body: {} })
		expect(res.status).toBe(201)
		expect((await json(res)).member.role).toBe('member')
	})

	it('a new person must choose a password of 10+ characters', async () => {
		const { invitation } = await invite('new@example.com')
		expect((await t.call('POST', `/v1/invitations/${invitation.id}/accept`, { key: null, body: {} })).status).toBe(400)
		expect((await t.call('POST', `/v1/invitations/${invitation.id}/accept`, { key: null, body: { password: 'short' } })).status).toBe(400)
		expect((await t.call('GET', `/v1/invitations/${invitation.id}`, { key: null })).status).toBe(200)
	})

	it('lists pending invitations; cancelling one makes its link dead; unknown ids are 404', async () => {
		const { invitation } = await invite('gone@example.com')
		const list = await json(await owner.call('GET', '/v1/invitations'))
		expect(list.invitations.map((i: { email: string }) => i.email)).toEqual(['gone@example.com'])
		expect((await owner.call('DELETE', `/v1/invitations/${invitation.id}`)).status).toBe(200)
		expect((await t.call('GET', `/v1/invitations/${invitation.id}`, { key: null })).status).toBe(404)
		expect((await t.call('POST', `/v1/invitations/${invitation.id}/accept`, { key: null, body: { password: PASSWORD } })).status).toBe(404)
		expect((await t.call('GET', `/v1/invitations/inv_${'0'.repeat(32)}`, { key: null })).status).toBe(404)
	})

	it('409 for inviting an existing member; 400 for a bad email or role', async () => {
		expect((await owner.call('POST', '/v1/invitations', { body: { email: 'owner@example.com' } })).status).toBe(409)
		expect((await owner.call('POST', '/v1/invitations', { body: { email: 'not-an-email' } })).status).toBe(400)
		// Control and bidi characters are not whitespace, and no address holds them either.
		for (const email of ['a\u0000b@example.com', 'ana@exa\u202Eelpmaxe.com', 'a\u0007@example.com', 'a@example.com\u0085']) {
			const res = await owner.call('POST', '/v1/invitations', { body: { email } })
			expect({ email, status: res.status, detail: (await json(res)).details?.[0]?.path }).toEqual({ email, status: 400, detail: '/email' })
		}
		expect((await owner.call('POST', '/v1/invitations', { body: { email: 'a@example.com', role: 'god' } })).status).toBe(400)
	})
})

describe('invitation expiry', () => {
	it('after 7 days the link is 410 Gone, both to show and to accept', async () => {
		let now = Date.now()
		const app = await makeTestApp({}, { now: () => now })
		try {
			const admin = await asUser(app, 'admin@example.com', 'admin')
			const { invitation } = await json(await admin.call('POST', '/v1/invitations', { body: { email: 'late@example.com' } }))
			now += 7 * 24 * 3600_000 + 1000
			expect((await app.call('GET', `/v1/invitations/${invitation.id}`, { key: null })).status).toBe(410)
			expect((await app.call('POST', `/v1/invitations/${invitation.id}/accept`, { key: null, body: { password: PASSWORD } })).status).toBe(410)
			expect(await app.ctx.store.accounts.userByEmail('late@example.com')).toBeNull()
		} finally {
			await app.close()
		}
	})
})

describe('members', () => {
	it('lists, changes a role, removes; a removed member\'s session no longer reaches the organization', async () => {
		const bo = await asUser(t, 'bo@example.com', 'member')
		const { members } = await json(await owner.call('GET', '/v1/members'))
		expect(members.map((m: { email: string; role: string }) => `${m.email}:${m.role}`)).toEqual(['owner@example.com:owner', 'bo@example.com:member'])
		const boId = members[1].id
		expect(members[1].id).toMatch(/^mem_[0-9a-f]{32}$/)
		const changed = await owner.call('PATCH', `/v1/members/${boId}`, { body: { role: 'admin' } })
		expect((await json(changed)).member.role).toBe('admin')
		expect((await json(await bo.call('GET', '/v1/me'))).role).toBe('admin')
		expect((await owner.call('DELETE', `/v1/members/${boId}`)).status).toBe(200)
		const res = await bo.call('GET', '/v1/sources')
		expect(res.status).toBe(403)
		expect((await owner.call('DELETE', `/v1/members/${boId}`)).status).toBe(404)
	})
})

describe('bare 32-hex path ids (the rule every /:id route follows)', () => {
	const bare = (id: string) => id.slice(4)

	it('members: PATCH and DELETE act on the member a bare id names', async () => {
		await asUser(t, 'bo@example.com', 'member')
		const boId = (await json(await owner.call('GET', '/v1/members'))).members[1].id as string
		const changed = await owner.call('PATCH', `/v1/members/${bare(boId)}`, { body: { role: 'admin' } })
		expect((await json(changed)).member).toMatchObject({ id: boId, role: 'admin' })
		expect((await owner.call('DELETE', `/v1/members/${bare(boId)}`)).status).toBe(200)
		expect((await json(await owner.call('GET', '/v1/members'))).members.map((m: { id: string }) => m.id)).not.toContain(boId)
	})

	it('invitations: show, accept and cancel by the bare id', async () => {
		const first = (await invite('cy@example.com')).invitation.id as string
		const shown = await t.call('GET', `/v1/invitations/${bare(first)}`, { key: null })
		expect((await json(shown)).invitation.id).toBe(first)
		const accepted = await t.call('POST', `/v1/invitations/${bare(first)}/accept`, { key: null, body: { name: 'Cy', password: PASSWORD } })
		expect(accepted.status).toBe(201)
		const second = (await invite('di@example.com')).invitation.id as string
		expect((await owner.call('DELETE', `/v1/invitations/${bare(second)}`)).status).toBe(200)
		expect((await t.call('GET', `/v1/invitations/${second}`, { key: null })).status).toBe(404)
	})
})

describe('GET /v1/me', () => {
	it('with a session: user, organization, role, current and all environments', async () => {
		await owner.call('POST', '/v1/environments', { body: { name: 'Staging', slug: 'staging' } })
		const me = await json(await owner.call('GET', '/v1/me'))
		expect(me.user).toMatchObject({ email: 'owner@example.com', name: 'owner' })
		expect(me.user.id).toMatch(/^usr_[0-9a-f]{32}$/)
		expect(me.organization).toMatchObject({ name: 'Default organization' })
		expect(me.role).toBe('owner')
		expect(me.environment.slug).toBe('production')
		expect(me.environments.map((e: { slug: string }) => e.slug)).toEqual(['production', 'staging'])
		expect(me.api_key).toBeNull()
		expect(JSON.stringify(me)).not.toContain('password')
	})

	it('with an API key: no user, role member, the key\'s environment', async () => {
		const me = await json(await t.call('GET', '/v1/me'))
		expect(me.user).toBeNull()
		expect(me.role).toBe('member')
		expect(me.api_key.id).toMatch(/^ak_/)
		expect(me.environment.slug).toBe('production')
	})
})
