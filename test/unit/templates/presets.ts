/**
 * Shared harness for the provider presets that reuse an existing scheme.
 *
 * Each preset is described by a `PresetCase` whose `sign` builds the headers
 * the provider sends, written from the provider's own documentation with
 * WebCrypto (`crypto.subtle`) or the provider's / the spec's official library:
 * never with the project's verifier code. `describePresets` then runs every
 * case through the template's own settings (accept, tampered body, wrong
 * secret, stale timestamp, missing signature), and `describeHttpRoundTrips`
 * sends every case through a real source created from its template.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { getTemplate } from '../../../src/templates'
import type { Template } from '../../../src/templates/model'
import { hasVerifier, verifyRequest } from '../../../src/verify'
import { makeTestApp, type TestApp } from '../../helpers'
import { makeRequest, tamper } from '../verify/helpers'

export type Headers = Record<string, string>

export interface PresetCase {
	slug: string
	/** The secret as the user pastes it into the source. */
	secret: string
	/** A secret of the same shape that must not verify. */
	wrongSecret: string
	/** Headers the provider sends for `body`, signed at `nowSec` (Unix seconds) with `secret`. */
	sign(body: string, secret: string, nowSec: number): Promise<Headers>
	/** The header carrying the signature or credentials (removed for the "unsigned" check). */
	signatureHeader: string
	/** Whether the scheme signs a timestamp whose age is enforced. */
	timestamped: boolean
	/** False for Basic auth, which authenticates the sender but does not cover the body. */
	bindsBody: boolean
}

const utf8 = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s)

/** HMAC with WebCrypto: an implementation independent of src/verify's node:crypto path. */
export async function hmac(hash: 'SHA-1' | 'SHA-256' | 'SHA-512', key: string | Uint8Array<ArrayBuffer>, data: string): Promise<Uint8Array> {
	const raw = typeof key === 'string' ? utf8(key) : key
	const k = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash }, false, ['sign'])
	return new Uint8Array(await crypto.subtle.sign('HMAC', k, utf8(data)))
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

/** `Authorization: Basic …` for a `user:password` secret, as RFC 7617 builds it. */
export const basicAuthHeader = (credentials: string): string => `Basic ${btoa(credentials)}`

export function template(slug: string): Template {
	const t = getTemplate(slug)
	if (!t) throw new Error(`missing template ${slug}`)
	return t
}

/** The template's sample event as the provider puts it on the wire (compact JSON). */
export function sampleBody(slug: string): string {
	const sample = template(slug).sample_event
	return typeof sample === 'string' ? sample : JSON.stringify(sample)
}

/** Verifies with exactly the settings a source created from the template gets. */
export function verifyWithTemplate(slug: string, headers: Headers, body: string | Uint8Array, secret: string, nowSec: number): boolean {
	const t = template(slug)
	if (t.verification_type === null || !hasVerifier(t.verification_type)) return false
	const req = makeRequest({ headers, body, nowMs: nowSec * 1000 })
	return verifyRequest(req, { type: t.verification_type, secrets: [secret], header: t.verification_header, config: { ...t.verification_config } })
}

function without(headers: Headers, name: string): Headers {
	return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== name.toLowerCase()))
}

const NOW = 1_760_000_000

/** The per-template checks, run on each template's own sample event. */
export function describePresets(group: string, cases: PresetCase[]): void {
	describe(`${group} presets verify their provider's signatures`, () => {
		for (const c of cases) {
			const body = () => sampleBody(c.slug)
			it(`${c.slug}: the template is shipped and its header is the one the provider signs in`, () => {
				const t = template(c.slug)
				expect(t.handshake).toBeNull()
				expect(t.docs_url).toStartWith('https://')
				expect(t.headers.map((h) => h.toLowerCase())).toContain(c.signatureHeader.toLowerCase())
				expect(t.timestamp_tolerance_seconds !== null).toBe(c.timestamped)
			})
			it(`${c.slug}: accepts the signed sample event, whose headers carry the template's dedup header`, async () => {
				const headers = await c.sign(body(), c.secret, NOW)
				expect(verifyWithTemplate(c.slug, headers, body(), c.secret, NOW)).toBe(true)
				const dedup = template(c.slug).dedup
				if (dedup?.strategy === 'header_field') expect(Object.keys(headers).map((h) => h.toLowerCase())).toContain(String(dedup.field).toLowerCase())
			})
			it(`${c.slug}: rejects a wrong secret and a missing signature`, async () => {
				const headers = await c.sign(body(), c.secret, NOW)
				expect(verifyWithTemplate(c.slug, headers, body(), c.wrongSecret, NOW)).toBe(false)
				expect(verifyWithTemplate(c.slug, await c.sign(body(), c.wrongSecret, NOW), body(), c.secret, NOW)).toBe(false)
				expect(verifyWithTemplate(c.slug, without(headers, c.signatureHeader), body(), c.secret, NOW)).toBe(false)
			})
			if (c.bindsBody) {
				it(`${c.slug}: rejects a tampered body`, async () => {
					const headers = await c.sign(body(), c.secret, NOW)
					expect(verifyWithTemplate(c.slug, headers, tamper(body()), c.secret, NOW)).toBe(false)
				})
			}
			if (c.timestamped) {
				it(`${c.slug}: accepts inside the tolerance and rejects an expired timestamp`, async () => {
					const tolerance = template(c.slug).timestamp_tolerance_seconds ?? 0
					expect(tolerance).toBeGreaterThan(0)
					const inside = await c.sign(body(), c.secret, NOW - tolerance + 5)
					expect(verifyWithTemplate(c.slug, inside, body(), c.secret, NOW)).toBe(true)
					const expired = await c.sign(body(), c.secret, NOW - tolerance - 5)
					expect(verifyWithTemplate(c.slug, expired, body(), c.secret, NOW)).toBe(false)
				})
			}
		}
	})
}

/**
 * Every case through the real HTTP path, one app per group: a source created
 * with `"template"`, a genuine delivery of the sample event (200), then a
 * forged one (401 with the error envelope) and an unsigned one (401).
 */
export function describeHttpRoundTrips(group: string, cases: PresetCase[]): void {
	describe(`${group}: sources created from the templates`, () => {
		let t: TestApp
		beforeAll(async () => {
			t = await makeTestApp()
		})
		afterAll(() => t.close())

		for (const c of cases) {
			it(`${c.slug}: answers 200 to the signed sample event and 401 to a forged or unsigned one`, async () => {
				const created = await t.call('POST', '/v1/sources', { body: { name: `Preset ${c.slug}`, slug: `preset-${c.slug}`, template: c.slug, verification_secret: c.secret } })
				expect(created.status).toBe(201)
				const { source } = (await created.json()) as { source: { id: string; verification_type: string } }
				expect(source.verification_type).toBe(template(c.slug).verification_type as string)
				const body = sampleBody(c.slug)
				const headers = { 'content-type': 'application/json', ...(await c.sign(body, c.secret, Math.floor(Date.now() / 1000))) }
				const send = (h: Headers, b: string | Uint8Array = body) => t.call('POST', `/v1/ingest/${source.id}`, { key: null, headers: h, body: b })

				expect((await send(headers)).status).toBe(200)
				const forged = c.bindsBody ? await send(headers, tamper(body)) : await send({ ...headers, [c.signatureHeader]: basicAuthHeader(c.wrongSecret) })
				expect(forged.status).toBe(401)
				expect(await forged.json()).toMatchObject({ error: 'Invalid signature', status: 401 })
				expect((await send(without(headers, c.signatureHeader))).status).toBe(401)
			})
		}
	})
}
