import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { getMigrations } from 'better-auth/db/migration'
import { makeTestApp, otherTenantKey, type TestApp } from '../../helpers'
import { addUser, asUser, json, ORIGIN, PASSWORD, signIn } from '../../accounts-helpers'

let t: TestApp
beforeEach(async () => {
	t = await makeTestApp()
})
afterEach(async () => {
	await t.close()
})

const signInRaw = (email: string, password: string, headers: Record<string, string> = {}) =>
	t.call('POST', '/api/auth/sign-in/email', { key: null, body: { email, password }, headers })

describe('Better Auth at /api/auth', () => {
	it('our migrations hold every table and column Better Auth needs', async () => {
		const m = await getMigrations((await t.ctx.accounts.auth()).options)
		expect(m.toBeCreated).toEqual([])
		expect(m.toBeAdded).toEqual([])
	})

	it('signs in with email and password: cookie better-auth.session_token, HttpOnly, SameSite=Lax, not Secure over http', async () => {
		await addUser(t, 'ana@example.com', 'owner')
		const res = await signInRaw('ana@example.com', PASSWORD)
		expect(res.status).toBe(200)
		expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{12}$/)
		const body = await json(res)
		expect(body.user.email).toBe('ana@example.com')
		expect(JSON.stringify(body)).not.toContain(PASSWORD)
		const [cookie] = res.headers.getSetCookie()
		expect(cookie).toMatch(/^better-auth\.session_token=[^;]+;/)
		expect(cookie).toContain('HttpOnly')
		expect(cookie).toContain('SameSite=Lax')
		expect(cookie).not.toMatch(/;\s*Secure/i)
	})

	it('adds Secure behind HTTPS without renaming the cookie', async () => {
		await addUser(t, 'ana@example.com', 'owner')
		const res = await signInRaw('ana@example.com', PASSWORD, { 'x-forwarded-proto': 'https' })
		const [cookie] = res.headers.getSetCookie()
		expect(cookie).toMatch(/^better-auth\.session_token=/)
		expect(cookie).toMatch(/;\s*Secure/)
	})

	it('a wrong password is a 401 in the contract envelope', async () => {
		await addUser(t, 'ana@example.com', 'owner')
		const res = await signInRaw('ana@example.com', 'not-the-password')
		expect(res.status).toBe(401)
		const body = await json(res)
		expect(body).toMatchObject({ status: 401, error: 'Invalid email or password' })
		expect(body.request_id).toMatch(/^req_[0-9a-f]{12}$/)
		expect(res.headers.getSetCookie()).toEqual([])
	})

	it('every other error it answers is the contract envelope too, with the X-Request-Id it carries', async () => {
		const cases: [string, string, string | Record<string, unknown> | undefined, number][] = [
			['GET', '/api/auth/nothing-here', undefined, 404],
			['POST', '/api/auth/sign-in/email', '{not json', 400],
			['POST', '/api/auth/sign-in/email', {}, 400],
			['POST', '/api/auth/sign-in/email', { email: 'ana@example.com', password: 7 }, 400],
			['GET', '/api/auth/organization/list', undefined, 401],
			['GET', '/api/auth/list-sessions', undefined, 401],
			['POST', '/api/auth/organization/create', { name: 'x' }, 404],
			['GET', '/api/auth/sign-in/email', undefined, 405]
		]
		for (const [method, path, body, status] of cases) {
			const res = await t.call(method, path, { key: null, body, headers: { origin: ORIGIN } })
			const got = await json(res)
			expect({ path, status: res.status }).toEqual({ path, status })
			expect(Object.keys(got).filter((k) => k !== 'code' && k !== 'details').sort()).toEqual(['error', 'request_id', 'status'])
			expect(got).toMatchObject({ status, request_id: res.headers.get('x-request-id') })
			expect(typeof got.error === 'string' && got.error.length > 0).toBe(true)
		}
	})

	it('an oversized body is a 413 envelope before Better Auth or the sign-in limit reads it; a normal one still signs in', async () => {
		await addUser(t, 'big@example.com', 'owner')
		const body = JSON.stringify({ email: 'big@example.com', password: PASSWORD, pad: 'x'.repeat(1_100_000) })
		const res = await t.call('POST', '/api/auth/sign-in/email', { key: null, body, headers: { 'content-type': 'application/json' } })
		expect(res.status).toBe(413)
		expect(await json(res)).toMatchObject({ status: 413, error: expect.any(String), request_id: res.headers.get('x-request-id') })
		expect((await t.call('POST', '/api/auth/sign-up/email', { key: null, body, headers: { 'content-type': 'application/json' } })).status).toBe(413)
		expect((await signInRaw('big@example.com', PASSWORD)).status).toBe(200)
	})

	it('rate limits failed sign-ins per account: 429 with Retry-After, even for the right password', async () => {
		await addUser(t, 'ana@example.com', 'owner')
		await addUser(t, 'bo@example.com', 'owner')
		for (let i = 0; i < 5; i++) expect((await signInRaw('ana@example.com', `wrong-password-${i}`)).status).toBe(401)
		const limited = await signInRaw('ANA@example.com', PASSWORD)
		expect(limited.status).toBe(429)
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
		expect((await json(limited)).error).toContain('Too many failed sign-in attempts')
		// Another account is not affected.
		expect((await signInRaw('bo@example.com', PASSWORD)).status).toBe(200)
	})

	it('public sign-up is off by default', async () => {
		const res = await t.call('POST', '/api/auth/sign-up/email', { key: null, body: { email: 'new@example.com', password: PASSWORD, name: 'New' } })
		expect(res.status).toBe(400)
		expect((await json(res)).status).toBe(400)
		expect(await t.ctx.store.accounts.userByEmail('new@example.com')).toBeNull()
	})

	it('of the organization plugin\'s endpoints only list and set-active are exposed (members go through /v1)', async () => {
		const ana = await asUser(t, 'ana@example.com', 'owner')
		for (const path of ['create', 'invite-member', 'update-member-role', 'remove-member', 'delete', 'accept-invitation']) {
			const res = await t.call('POST', `/api/auth/organization/${path}`, { key: null, headers: { cookie: ana.cookie, origin: ORIGIN }, body: { name: 'x', slug: 'x' } })
			expect(res.status).toBe(404)
		}
		expect((await t.call('GET', '/api/auth/organization/list', { key: null, headers: { cookie: ana.cookie } })).status).toBe(200)
	})

	it('a member of two organizations switches with set-active; /v1 follows the active one', async () => {
		const other = await otherTenantKey(t)
		const ana = await asUser(t, 'ana@example.com', 'owner')
		await t.ctx.accounts.users.addMember(other.orgId, ana.id, 'viewer', Date.now())
		const orgs = await json(await t.call('GET', '/api/auth/organization/list', { key: null, headers: { cookie: ana.cookie } }))
		expect(orgs.map((o: { id: string }) => o.id)).toContain(other.orgId)
		expect((await json(await ana.call('GET', '/v1/me'))).role).toBe('owner')
		const res = await ana.call('POST', '/api/auth/organization/set-active', { body: { organizationId: other.orgId } })
		expect(res.status).toBe(200)
		const me = await json(await ana.call('GET', '/v1/me'))
		expect(me).toMatchObject({ role: 'viewer', organization: { id: other.orgId }, environment: { id: other.envId } })
	})
})

describe('sessions', () => {
	it('the cookie authenticates /v1 requests; after sign-out it is refused at once', async () => {
		const ana = await asUser(t, 'ana@example.com', 'owner')
		expect((await ana.call('GET', '/v1/sources')).status).toBe(200)
		const out = await ana.call('POST', '/api/auth/sign-out')
		expect(out.status).toBe(200)
		const res = await ana.call('GET', '/v1/sources')
		expect(res.status).toBe(401)
		expect((await json(res)).error).toBe('Session expired or invalid: sign in again')
	})

	it('lists the user\'s sessions and revokes one: that cookie is refused on its next request', async () => {
		const ana = await asUser(t, 'ana@example.com', 'owner')
		const second = await signIn(t, 'ana@example.com')
		const list = await ana.call('GET', '/api/auth/list-sessions')
		expect(list.status).toBe(200)
		const sessions = (await list.json()) as { token: string; id: string }[]
		expect(sessions.length).toBe(2)
		const secondToken = decodeURIComponent(second.split('=')[1] as string).split('.')[0]
		expect(sessions.map((s) => s.token)).toContain(secondToken as string)
		const revoke = await ana.call('POST', '/api/auth/revoke-session', { body: { token: secondToken } })
		expect(revoke.status).toBe(200)
		expect((await t.call('GET', '/v1/sources', { key: null, headers: { cookie: second } })).status).toBe(401)
		expect((await ana.call('GET', '/v1/sources')).status).toBe(200)
	})

	it('a forged or tampered cookie is a 401', async () => {
		const ana = await asUser(t, 'ana@example.com', 'owner')
		const tampered = ana.cookie.replace(/=(.)/, (_, c: string) => `=${c === 'A' ? 'B' : 'A'}`)
		expect((await t.call('GET', '/v1/sources', { key: null, headers: { cookie: tampered } })).status).toBe(401)
		expect((await t.call('GET', '/v1/sources', { key: null, headers: { cookie: 'better-auth.session_token=nope' } })).status).toBe(401)
	})
})

describe('public sign-up with --allow-signup', () => {
	it('creates the user as owner of a new organization with a production environment', async () => {
		const open = await makeTestApp({ 'allow-signup': true })
		try {
			const res = await open.call('POST', '/api/auth/sign-up/email', { key: null, body: { email: 'new@example.com', password: PASSWORD, name: 'New' } })
			expect(res.status).toBe(200)
			const user = await open.ctx.store.accounts.userByEmail('new@example.com')
			const [membership] = await open.ctx.store.accounts.memberships(user?.id ?? '')
			expect(membership?.role).toBe('owner')
			const envs = await open.ctx.store.tenancy.environments(membership?.organizationId ?? '')
			expect(envs.map((e) => e.slug)).toEqual(['production'])
			// Not the default organization the test key belongs to.
			expect(membership?.organizationId).not.toBe((await open.ctx.keys.authenticate(open.key)).orgId)
		} finally {
			await open.close()
		}
	})

	it('a name with control or bidi characters is refused, at sign-up and on update-user (400 envelope)', async () => {
		const open = await makeTestApp({ 'allow-signup': true })
		try {
			const refused = await open.call('POST', '/api/auth/sign-up/email', { key: null, body: { email: 'rlo@example.com', password: PASSWORD, name: 'invoice\u202Etxt.exe' } })
			expect(refused.status).toBe(400)
			expect(await json(refused)).toMatchObject({ status: 400, error: expect.stringContaining("'name'") })
			expect(await open.ctx.store.accounts.userByEmail('rlo@example.com')).toBeNull()
			const ok = await open.call('POST', '/api/auth/sign-up/email', { key: null, body: { email: 'plain@example.com', password: PASSWORD, name: 'Plain' } })
			expect(ok.status).toBe(200)
			const cookie = await signIn(open, 'plain@example.com')
			const update = await open.call('POST', '/api/auth/update-user', { key: null, headers: { cookie, origin: ORIGIN }, body: { name: 'a\u0000b' } })
			expect(update.status).toBe(400)
			expect((await open.ctx.store.accounts.userByEmail('plain@example.com'))?.name).toBe('Plain')
		} finally {
			await open.close()
		}
	})
})
