import { afterEach, describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { Receiver } from '../e2e/receiver'
import { makeTestApp, type TestApp } from '../helpers'
import { SmtpSink } from './smtp-sink'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by value
type Json = any
let t: TestApp | null = null
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
	await t?.close()
	t = null
	for (const c of closers.splice(0)) await c()
})

async function app(flags: Record<string, string | boolean> = {}): Promise<TestApp> {
	t = await makeTestApp({ 'allow-private-destinations': true, ...flags })
	return t
}
async function receiver(): Promise<Receiver> {
	const r = new Receiver()
	closers.push(() => r.stop())
	return r
}
async function json(res: Response): Promise<{ status: number; body: Json }> {
	return { status: res.status, body: await res.json() }
}

describe('notification channels', () => {
	test('webhook: CRUD, masked secret, signed test send, outcome counters', async () => {
		const a = await app()
		const r = await receiver()
		const created = await json(await a.call('POST', '/v1/notification-channels', { body: { name: 'Ops hook', channel_type: 'webhook', config: { url: `${r.url}/alerts`, secret: 'whsec_channel_secret' } } }))
		expect(created.status).toBe(201)
		const ch = created.body.channel
		expect(ch).toMatchObject({ name: 'Ops hook', channel_type: 'webhook', enabled: 1, error_count: 0, last_sent_at: null, last_error: null })
		expect(ch.id).toMatch(/^nc_[0-9a-f]{32}$/)
		expect(JSON.parse(ch.config)).toEqual({ url: `${r.url}/alerts`, secret: '****cret' })

		const sent = await json(await a.call('POST', `/v1/notification-channels/${ch.id}/test`))
		expect(sent).toEqual({ status: 200, body: { success: true, error: null } })
		const [got] = await r.waitFor(1)
		const expected = `sha256=${createHmac('sha256', 'whsec_channel_secret').update(got?.body ?? '').digest('hex')}`
		expect(got?.headers['x-hookstream-signature']).toBe(expected)
		const payload = JSON.parse(got?.body ?? '{}')
		expect(payload).toMatchObject({ type: 'alert.test', alert: { status: 'test', rule_name: 'Ops hook' } })
		expect(payload.sent_at).toMatch(/Z$/)

		r.otherwise({ status: 503 })
		expect((await json(await a.call('POST', `/v1/notification-channels/${ch.id}/test`))).body).toEqual({ success: false, error: 'HTTP 503' })
		const after = (await json(await a.call('GET', `/v1/notification-channels/${ch.id}`))).body.channel
		expect(after).toMatchObject({ error_count: 1, last_error: 'HTTP 503' })
		expect(after.last_sent_at).not.toBeNull()

		expect((await json(await a.call('GET', '/v1/notification-channels'))).body.channels.map((c: Json) => c.id)).toEqual([ch.id])
		expect((await json(await a.call('PATCH', `/v1/notification-channels/${ch.id}`, { body: { name: 'Renamed', enabled: false } }))).body.channel).toMatchObject({ name: 'Renamed', enabled: 0 })
		expect((await json(await a.call('DELETE', `/v1/notification-channels/${ch.id}`))).body).toEqual({ success: true })
		expect((await a.call('GET', `/v1/notification-channels/${ch.id}`)).status).toBe(404)
	})

	test('slack and discord get their documented message shapes', async () => {
		const a = await app()
		const r = await receiver()
		const slack = (await json(await a.call('POST', '/v1/notification-channels', { body: { name: 'S', channel_type: 'slack', config: { url: `${r.url}/services/T000/B000/XXXXSECRET` } } }))).body.channel
		expect(JSON.parse(slack.config).url).toBe('****CRET') // the incoming-webhook URL is a credential
		const discord = (await json(await a.call('POST', '/v1/notification-channels', { body: { name: 'D', channel_type: 'discord', config: { url: `${r.url}/api/webhooks/1/tok` } } }))).body.channel
		expect((await json(await a.call('POST', `/v1/notification-channels/${slack.id}/test`))).body.success).toBe(true)
		expect((await json(await a.call('POST', `/v1/notification-channels/${discord.id}/test`))).body.success).toBe(true)
		const [s, d] = await r.waitFor(2)
		expect(s?.path).toBe('/services/T000/B000/XXXXSECRET')
		const sm = JSON.parse(s?.body ?? '{}')
		expect(typeof sm.text).toBe('string')
		expect(sm.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Test notification: S' } })
		expect(sm.blocks.every((b: Json) => ['header', 'section', 'context'].includes(b.type))).toBe(true)
		const dm = JSON.parse(d?.body ?? '{}')
		expect(dm.content).toContain('Test notification: D')
		expect(dm.embeds).toHaveLength(1)
		expect(dm.embeds[0]).toMatchObject({ title: 'Test notification: D', color: expect.any(Number), timestamp: expect.stringMatching(/Z$/) })
	})

	test('email goes through the SMTP server of --smtp-url', async () => {
		const sink = new SmtpSink()
		const port = await sink.listen()
		closers.push(() => sink.close())
		const a = await app({ 'smtp-url': `smtp://alerts:pw@127.0.0.1:${port}?from=alerts@hookstream.test` })
		const ch = (await json(await a.call('POST', '/v1/notification-channels', { body: { name: 'Mail', channel_type: 'email', config: { to: ['ops@example.com', 'oncall@example.com'] } } }))).body.channel
		expect(JSON.parse(ch.config)).toEqual({ to: ['ops@example.com', 'oncall@example.com'] })
		expect((await json(await a.call('POST', `/v1/notification-channels/${ch.id}/test`))).body).toEqual({ success: true, error: null })
		expect(sink.mails).toHaveLength(1)
		const mail = sink.mails[0] as { from: string; to: string[]; data: string; auth: string | null }
		expect(mail.from).toBe('alerts@hookstream.test')
		expect(mail.to).toEqual(['ops@example.com', 'oncall@example.com'])
		expect(mail.auth).toBe('\0alerts\0pw')
		expect(mail.data).toContain('Subject: [hookstream] Test notification: Mail')
		expect(mail.data).toContain('"type": "alert.test"')
	})

	test('an SMTP refusal is recorded; email without --smtp-url is a 400', async () => {
		const sink = new SmtpSink({ rejectRcpt: true })
		const port = await sink.listen()
		closers.push(() => sink.close())
		const a = await app({ 'smtp-url': `smtp://127.0.0.1:${port}` })
		const ch = (await json(await a.call('POST', '/v1/notification-channels', { body: { name: 'Mail', channel_type: 'email', config: { to: 'x@example.com' } } }))).body.channel
		const res = (await json(await a.call('POST', `/v1/notification-channels/${ch.id}/test`))).body
		expect(res.success).toBe(false)
		expect(res.error).toContain('550')
		await t?.close()
		t = null
		const b = await app()
		const no = await json(await b.call('POST', '/v1/notification-channels', { body: { name: 'Mail', channel_type: 'email', config: { to: ['x@example.com'] } } }))
		expect(no.status).toBe(400)
		expect(no.body.error).toContain('--smtp-url')
	})

	test('sends pass the SSRF guard', async () => {
		const r = await receiver()
		const a = await makeTestApp({})
		t = a
		const ch = (await json(await a.call('POST', '/v1/notification-channels', { body: { name: 'Internal', channel_type: 'webhook', config: { url: `${r.url}/x` } } }))).body.channel
		const res = (await json(await a.call('POST', `/v1/notification-channels/${ch.id}/test`))).body
		expect(res.success).toBe(false)
		expect(res.error).toContain('private')
		expect(r.received).toHaveLength(0)
	})

	test('bad bodies are 400s naming the field', async () => {
		const a = await app()
		const cases: [Json, string][] = [
			[{ name: 'x', channel_type: 'webhook', config: {} }, '/config/url'],
			[{ name: 'x', channel_type: 'webhook', config: { url: 'ftp://x' } }, '/config/url'],
			[{ name: 'x', channel_type: 'webhook', config: { url: 'https://x.example', secret: 'short' } }, '/config/secret'],
			[{ name: 'x', channel_type: 'slack', config: { url: 'https://x.example', channel: '#ops' } }, '/config/channel'],
			[{ name: 'x', channel_type: 'pager', config: {} }, 'channel_type']
		]
		for (const [body, path] of cases) {
			const res = await json(await a.call('POST', '/v1/notification-channels', { body }))
			expect(res.status).toBe(400)
			expect(JSON.stringify(res.body)).toContain(path)
		}
	})
})
