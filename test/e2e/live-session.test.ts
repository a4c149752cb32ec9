import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { PASSWORD } from '../accounts-helpers'
import { type Harness, startHarness } from './harness'
import { handshakeStatus, LiveClient } from './live-client'

let h: Harness
let wsUrl: string

beforeAll(async () => {
	h = await startHarness({ 'live-heartbeat-ms': '100' })
	wsUrl = `${h.url.replace('http', 'ws')}/v1/ws`
})
afterAll(() => h.close())

/** A member of the default organization, signed in over HTTP: returns the session cookie and the user id. */
async function signedInMember(email: string): Promise<{ cookie: string; userId: string }> {
	const { users } = h.server.ctx.accounts
	const user = await users.create(email, email.split('@')[0] ?? email, PASSWORD)
	await users.addMember(await users.defaultOrg(Date.now()), user.id, 'member', Date.now())
	const res = await fetch(`${h.url}/api/auth/sign-in/email`, { method: 'POST', headers: { 'content-type': 'application/json', origin: h.url }, body: JSON.stringify({ email, password: PASSWORD }) })
	expect(res.status).toBe(200)
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('better-auth.session_token='))?.split(';')[0] ?? ''
	return { cookie, userId: user.id }
}

async function openWith(headers: Record<string, string>): Promise<LiveClient> {
	const c = new LiveClient(wsUrl, headers)
	await c.opened
	await c.until((ms) => ms.some((m) => m.type === 'welcome'))
	return c
}

/** An SSE stream; `ended` resolves when the server closes it. */
async function sse(headers: Record<string, string>) {
	const res = await fetch(`${h.url}/v1/events/stream`, { headers })
	expect(res.status).toBe(200)
	let text = ''
	const decoder = new TextDecoder()
	const ended = (async () => {
		for await (const chunk of res.body as ReadableStream<Uint8Array>) text += decoder.decode(chunk, { stream: true })
	})()
	return { ended, text: () => text }
}

describe('/v1/ws with a session cookie', () => {
	it('upgrades from a page of this server, and refuses a foreign or missing Origin with 403 before upgrading', async () => {
		const { cookie } = await signedInMember('ws-origin@example.com')
		const me = (await (await fetch(`${h.url}/v1/me`, { headers: { cookie } })).json()) as { organization: { id: string }; environment: { id: string } }
		const c = await openWith({ cookie, origin: h.url })
		expect(c.of('welcome')[0]).toMatchObject({ org_id: me.organization.id, env_id: me.environment.id })
		c.close()
		expect(await handshakeStatus(wsUrl, { cookie, origin: 'https://evil.example' })).toBe(403)
		expect(await handshakeStatus(wsUrl, { cookie })).toBe(403)
		expect(await handshakeStatus(wsUrl, { cookie, origin: 'null' })).toBe(403)
		// The cookie alone decides nothing: without a valid session it is a 401 whatever the Origin.
		expect(await handshakeStatus(wsUrl, { cookie: 'better-auth.session_token=forged', origin: h.url })).toBe(401)
	})
})

describe('live streams end when their session does', () => {
	it('signing out closes the WebSocket with 4401 and ends the SSE stream; a key-held stream stays', async () => {
		const { cookie } = await signedInMember('ws-signout@example.com')
		const ws = await openWith({ cookie, origin: h.url })
		const stream = await sse({ cookie })
		const keyed = await openWith({ 'x-api-key': h.key })
		// Still open across several heartbeats while signed in.
		await Bun.sleep(350)
		expect(ws.ws.readyState).toBe(WebSocket.OPEN)

		const out = await fetch(`${h.url}/api/auth/sign-out`, { method: 'POST', headers: { cookie, origin: h.url, 'content-type': 'application/json' }, body: '{}' })
		expect(out.status).toBe(200)
		expect(await ws.closed).toBe(4401)
		await stream.ended
		expect(stream.text()).toContain('event: heartbeat')
		keyed.send({ type: 'ping' })
		await keyed.until((ms) => ms.some((m) => m.type === 'pong'))
		keyed.close()
	})

	it('a member removed from the organization loses the stream too', async () => {
		const { cookie, userId } = await signedInMember('ws-removed@example.com')
		const ws = await openWith({ cookie, origin: h.url })
		const [membership] = await h.server.ctx.store.accounts.memberships(userId)
		await h.server.ctx.store.accounts.removeMember(membership?.id as string)
		expect(await ws.closed).toBe(4401)
	})
})
