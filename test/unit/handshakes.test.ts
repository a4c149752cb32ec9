import { describe, expect, it } from 'bun:test'
import { HANDSHAKE_KINDS, HANDSHAKES, type HandshakeRequest } from '../../src/handshakes'
import { handshakeOf } from '../../src/ingest/handshake'
import { AppError } from '../../src/lib/errors'
import { listTemplates } from '../../src/templates'

const req = (init: Partial<Omit<HandshakeRequest, 'body' | 'headers'>> & { body?: string; headers?: Record<string, string> } = {}): HandshakeRequest => ({
	method: init.method ?? 'POST',
	url: init.url ?? 'https://hooks.example.com/v1/ingest/src_1',
	headers: new Headers(init.headers ?? {}),
	body: new TextEncoder().encode(init.body ?? '')
})
const ctx = { secrets: ['s3cret'], config: {} }
const status = (fn: () => unknown) => {
	try {
		fn()
		return null
	} catch (err) {
		return err instanceof AppError ? err.status : 'not an AppError'
	}
}

describe('handshake registry', () => {
	it('has an answerer for every kind, and every template names a known kind or none', () => {
		for (const kind of HANDSHAKE_KINDS) expect(typeof HANDSHAKES[kind].answer).toBe('function')
		for (const t of listTemplates()) if (t.handshake !== null) expect(HANDSHAKE_KINDS as readonly string[]).toContain(t.handshake)
	})

	it('lets ordinary deliveries through untouched (null), whatever the kind', () => {
		const delivery = req({ body: '{"type":"event_callback","event":{"type":"message"}}', headers: { 'content-type': 'application/json' } })
		for (const kind of HANDSHAKE_KINDS) expect({ kind, reply: HANDSHAKES[kind].answer(delivery, ctx) }).toEqual({ kind, reply: null })
	})

	it('never parses a large body as a challenge', () => {
		const big = JSON.stringify({ type: 'url_verification', challenge: 'x', pad: 'p'.repeat(5000) })
		expect(HANDSHAKES.slack_url_verification.answer(req({ body: big }), ctx)).toBeNull()
	})

	it('resolves a source\'s handshake from its template, overridden or turned off by config', () => {
		expect(handshakeOf('slack', {}, [])?.signed).toBe(true)
		expect(handshakeOf('slack', { handshake: null }, [])).toBeNull()
		expect(handshakeOf(null, { handshake: 'dropbox_challenge' }, [])?.signed).toBe(false)
		expect(handshakeOf('github', {}, [])).toBeNull()
		expect(handshakeOf(null, { handshake: 'not_a_kind' }, [])).toBeNull()
	})
})

describe('keyed answers are no signing oracle', () => {
	it('Zoom and X only sign short token-shaped strings, and need a secret', () => {
		const zoom = (plainToken: string, c = ctx) => () => HANDSHAKES.zoom_url_validation.answer(req({ body: JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken } }) }), c)
		expect(status(zoom('{"id":"evt_1"}'))).toBe(400)
		expect(status(zoom('v0:1700000000:{}'))).toBe(400)
		expect(status(zoom('qgg8vlvZRS6UYooatFL8Aw', { secrets: [], config: {} }))).toBe(401)
		const crc = (token: string) => () => HANDSHAKES.twitter_crc.answer(req({ method: 'GET', url: `https://h.example/v1/ingest/src_1?crc_token=${encodeURIComponent(token)}` }), ctx)
		expect(status(crc('{"for_user_id":"1"}'))).toBe(400)
		expect(status(crc('a'.repeat(300)))).toBe(400)
		expect(status(crc('M2NjNGQzZjMtZjYy'))).toBeNull()
	})

	it('Meta refuses when no verify_token is configured (fail closed)', () => {
		const get = req({ method: 'GET', url: 'https://h.example/x?hub.mode=subscribe&hub.challenge=1&hub.verify_token=' })
		expect(status(() => HANDSHAKES.meta_hub_challenge.answer(get, { secrets: [], config: {} }))).toBe(403)
	})

	it('echoes are bounded and must be strings', () => {
		expect(status(() => HANDSHAKES.monday_challenge.answer(req({ body: '{"challenge":12}' }), ctx))).toBe(400)
		expect(status(() => HANDSHAKES.dropbox_challenge.answer(req({ method: 'GET', url: `https://h.example/x?challenge=${'c'.repeat(2000)}` }), ctx))).toBe(400)
	})

	it('SNS: the unsigned message-type header must agree with the signed Type', () => {
		const body = JSON.stringify({ Type: 'Notification', SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription' })
		expect(status(() => HANDSHAKES.aws_sns_subscription.answer(req({ body, headers: { 'x-amz-sns-message-type': 'SubscriptionConfirmation' } }), ctx))).toBe(400)
		const good = JSON.stringify({ Type: 'SubscriptionConfirmation', SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t' })
		expect(HANDSHAKES.aws_sns_subscription.answer(req({ body: good, headers: { 'x-amz-sns-message-type': 'SubscriptionConfirmation' } }), ctx)?.follow).toBe('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t')
	})
})
