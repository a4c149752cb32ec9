import { describe, expect, it } from 'bun:test'
import { createHmac } from 'node:crypto'
import { verifyStandardWebhooks } from '../../../src/verify/standard-webhooks'
import { verifyTimestamped } from '../../../src/verify/timestamped'
import type { VerifyRequest } from '../../../src/verify/types'

/**
 * A sender controls how many signature entries a header carries (up to the header
 * size limit). Each must not cost a pass over the body: with a 1 MiB body, 1,500
 * entries took seconds of CPU per request before the entries were capped and the
 * MAC computed once per secret.
 */
const body = new Uint8Array(1024 * 1024).fill(0x61)
const now = Date.now()
const seconds = String(Math.floor(now / 1000))
const req = (headers: Record<string, string>): VerifyRequest => ({ method: 'POST', url: 'https://hooks.example/x', headers: new Headers(headers), body, nowMs: now })
const timed = (run: () => boolean) => {
	const started = performance.now()
	const ok = run()
	return { ok, ms: performance.now() - started }
}

describe('signature entries per header are bounded', () => {
	const key = Buffer.from('0123456789abcdef0123456789abcdef')
	const secret = `whsec_${key.toString('base64')}`
	const real = createHmac('sha256', key).update(`msg_1.${seconds}.`).update(body).digest('base64')
	const bogusV1 = `v1,${Buffer.alloc(32, 1).toString('base64')}`
	const bogusV1a = `v1a,${Buffer.alloc(64, 1).toString('base64')}`
	const settings = { type: 'standard_webhooks' as const, secrets: [secret, 'whpk_' + Buffer.alloc(32, 7).toString('base64')], header: null, config: {} }
	const sw = (signature: string) => req({ 'webhook-id': 'msg_1', 'webhook-timestamp': seconds, 'webhook-signature': signature })

	it('standard webhooks: one MAC per secret however many v1 entries, and only the first 10 entries read', () => {
		expect(verifyStandardWebhooks(sw(`${bogusV1} v1,${real}`), settings)).toBe(true)
		const many = timed(() => verifyStandardWebhooks(sw(`${Array(1500).fill(bogusV1).join(' ')} v1,${real}`), settings))
		expect(many.ok).toBe(false)
		expect(many.ms).toBeLessThan(300)
		const v1a = timed(() => verifyStandardWebhooks(sw(Array(1500).fill(bogusV1a).join(' ')), settings))
		expect(v1a.ok).toBe(false)
		expect(v1a.ms).toBeLessThan(300)
	})

	it('timestamped groups: only the first 10 groups are tried', () => {
		const tsSettings = { type: 'timestamped_hmac' as const, secrets: ['s3cret'], header: 'X-Sig', config: { group_separator: ' ' } }
		const good = `t=${seconds},v1=${createHmac('sha256', 's3cret').update(`${seconds}.`).update(body).digest('hex')}`
		const bogus = (i: number) => `t=${Number(seconds) - i},v1=${'00'.repeat(32)}`
		expect(verifyTimestamped(req({ 'x-sig': `${bogus(1)} ${good}` }), tsSettings)).toBe(true)
		const many = timed(() => verifyTimestamped(req({ 'x-sig': `${Array.from({ length: 1500 }, (_, i) => bogus(i)).join(' ')} ${good}` }), tsSettings))
		expect(many.ok).toBe(false)
		expect(many.ms).toBeLessThan(300)
	})
})
