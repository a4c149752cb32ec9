import type { Role } from '../src/accounts/repo'
import type { TestApp } from './helpers'

export const PASSWORD = 'correct-horse-battery'
export const ORIGIN = 'http://localhost'

/** A user in the default organization (the one the test key belongs to) with this role. */
export async function addUser(t: TestApp, email: string, role: Role, orgId?: string): Promise<{ id: string; email: string }> {
	const user = await t.ctx.accounts.users.create(email, email.split('@')[0] ?? email, PASSWORD)
	const org = orgId ?? (await t.ctx.accounts.users.defaultOrg(Date.now()))
	await t.ctx.accounts.users.addMember(org, user.id, role, Date.now())
	return { id: user.id, email: user.email }
}

/** Signs in over HTTP and returns the `name=value` of the session cookie. */
export async function signIn(t: TestApp, email: string, password = PASSWORD): Promise<string> {
	const res = await t.call('POST', '/api/auth/sign-in/email', { key: null, body: { email, password } })
	if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`)
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('better-auth.session_token='))
	if (!cookie) throw new Error('no session cookie')
	return cookie.split(';')[0] as string
}

/** A user with this role, signed in: returns a caller that sends the cookie (and a same-origin Origin). */
export async function asUser(t: TestApp, email: string, role: Role, orgId?: string) {
	const user = await addUser(t, email, role, orgId)
	const cookie = await signIn(t, email)
	const call = (method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) =>
		t.call(method, path, { ...opts, key: null, headers: { cookie, origin: ORIGIN, ...opts.headers } })
	return { ...user, cookie, call }
}

/** Response JSON for assertions (shapes are checked by the assertions themselves). */
// biome-ignore lint/suspicious/noExplicitAny: test convenience
export const json = async (res: Response): Promise<any> => res.json()
