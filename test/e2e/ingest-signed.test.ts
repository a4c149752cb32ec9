import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tempDir } from '../helpers'
import { run, type Running, SOURCE_CLI, startProcess } from './process'
import { basicAuth, providers, type SignedRequest, signGithub, tamper } from './signers'

/**
 * Every provider template against ONE real server process: a request signed
 * the way the provider signs (its official library where installed) is stored
 * byte for byte as `verified`; a one-byte change or a missing signature is a
 * 401 and stores nothing.
 */
let dir: string
let server: Running
let key: string

beforeAll(async () => {
	dir = tempDir('hookstream-e2e-signed-')
	server = await startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir])
	const created = await run([...SOURCE_CLI, '--create-admin-key', '--data-dir', dir])
	if (created.code !== 0) throw new Error(`--create-admin-key failed: ${created.stderr}`)
	key = created.stdout.trim().split('\n').at(-1) ?? ''
}, 30000)

afterAll(async () => {
	await server?.stop()
	if (dir) rmSync(dir, { recursive: true, force: true })
})

interface EventDetail {
	id: string
	source_id: string
	method: string
	content_type: string | null
	verification_status: string
	payload_size: number
	headers: Record<string, string>
	query_params: Record<string, string | string[]> | null
	payload: unknown
	body: string
	body_encoding: 'utf8' | 'base64'
}

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
	const headers: Record<string, string> = { 'x-api-key': key }
	if (body !== undefined) headers['content-type'] = 'application/json'
	const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
	return { status: res.status, json: (await res.json()) as T }
}

async function createSource(body: Record<string, unknown>): Promise<string> {
	const { status, json } = await api<{ source?: { id: string } }>('POST', '/v1/sources', body)
	// Read before asserting: Bun 1.4's toMatchObject writes asymmetric matchers into the received object.
	const id = json.source?.id ?? ''
	expect({ status, id }).toEqual({ status: 201, id: expect.stringMatching(/^src_/) })
	return id
}

const ingestUrl = (sourceId: string) => `${server.url}/v1/ingest/${sourceId}`

/** Sends a signed request, optionally with another body or other headers. */
function send(req: SignedRequest, override: { body?: Uint8Array; headers?: Record<string, string> } = {}): Promise<Response> {
	return fetch(req.url, { method: req.method, headers: override.headers ?? req.headers, body: override.body ?? req.body })
}

function without(headers: Record<string, string>, name: string): Record<string, string> {
	return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== name.toLowerCase()))
}

async function expectAccepted(res: Response, sourceId: string): Promise<string> {
	const body = (await res.json()) as { event_id?: string; source_id?: string }
	expect({ status: res.status, body }).toEqual({ status: 200, body: { event_id: expect.stringMatching(/^evt_/), source_id: sourceId } })
	return body.event_id ?? ''
}

async function expectRejected(res: Response): Promise<void> {
	const body = (await res.json()) as Record<string, unknown>
	expect({ status: res.status, body }).toMatchObject({ status: 401, body: { status: 401, error: expect.any(String), request_id: expect.stringMatching(/^req_/) } })
}

async function total(sourceId: string): Promise<number> {
	const { status, json } = await api<{ pagination: { total: number } }>('GET', `/v1/events?source_id=${sourceId}`)
	expect(status).toBe(200)
	return json.pagination.total
}

async function getEvent(eventId: string): Promise<EventDetail> {
	const { status, json } = await api<{ event: EventDetail }>('GET', `/v1/events/${eventId}`)
	expect(status).toBe(200)
	return json.event
}

async function expectRaw(eventId: string, bytes: Uint8Array, contentType: string): Promise<void> {
	const res = await fetch(`${server.url}/v1/events/${eventId}/raw`, { headers: { 'x-api-key': key } })
	expect(res.status).toBe(200)
	expect(res.headers.get('content-type')).toBe(contentType)
	expect<Uint8Array>(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)
}

/** The query of a URL as hookstream stores it: null without one, repeated names as arrays. */
function queryOf(url: string): Record<string, string | string[]> | null {
	const params = new URL(url).searchParams
	if (params.size === 0) return null
	const out: Record<string, string | string[]> = {}
	for (const [k, v] of params) {
		const prev = out[k]
		out[k] = prev === undefined ? v : [prev, v].flat()
	}
	return out
}

describe('signed ingest against a running server, one test per template', () => {
	for (const p of providers()) {
		it(`${p.slug}: accepts the genuine request, rejects tampering, stores it byte for byte`, async () => {
			const id = await createSource({ name: `E2E ${p.slug}`, slug: `e2e-${p.slug}`, template: p.slug, verification_secret: p.secret })
			const req = await p.sign(ingestUrl(id))
			const eventId = await expectAccepted(await send(req), id)

			// Postmark signs nothing: the body is not covered, so forge the credentials instead.
			const forged = p.bindsBody
				? { body: tamper(req.body) }
				: { headers: { ...req.headers, [req.signatureHeader]: basicAuth(tamper(new TextEncoder().encode(p.secret))) } }
			if (forged.body) expect(forged.body).not.toEqual(req.body)
			await expectRejected(await send(req, forged))
			await expectRejected(await send(req, { headers: without(req.headers, req.signatureHeader) }))
			expect(await total(id)).toBe(1)

			const event = await getEvent(eventId)
			const text = new TextDecoder('utf-8', { fatal: true }).decode(req.body)
			expect(event).toMatchObject({
				id: eventId, source_id: id, method: req.method, content_type: req.contentType, verification_status: 'verified',
				payload_size: req.body.byteLength, body_encoding: 'utf8', body: text
			})
			expect(event.query_params).toEqual(queryOf(req.url))
			expect(event.payload).toEqual(req.contentType === 'application/json' ? JSON.parse(text) : null)
			const stored = event.headers[req.signatureHeader.toLowerCase()]
			if (p.slug === 'postmark') {
				// Basic credentials are the source's secret: never kept in the event.
				expect(stored).toBe('[redacted]')
				expect(JSON.stringify(event)).not.toContain(req.headers[req.signatureHeader] ?? '-')
			} else {
				expect(stored).toBe(req.headers[req.signatureHeader] ?? '')
			}
			await expectRaw(eventId, req.body, req.contentType)
		})
	}
})

describe('secret rotation', () => {
	it('github: verification_secret [old, new] accepts either secret and rejects a third', async () => {
		const [oldSecret, newSecret] = ['gh-old-secret-1', 'gh-new-secret-2']
		const id = await createSource({ name: 'E2E rotation', slug: 'e2e-github-rotation', template: 'github', verification_secret: [oldSecret, newSecret] })
		const url = ingestUrl(id)
		const accepted: string[] = []
		for (const secret of [oldSecret, newSecret]) {
			const req = await signGithub(secret, url)
			accepted.push(await expectAccepted(await send(req), id))
		}
		const third = await signGithub('gh-third-secret-3', url)
		await expectRejected(await send(third))
		expect(await total(id)).toBe(2)
		for (const eventId of accepted) expect((await getEvent(eventId)).verification_status).toBe('verified')
	})
})

describe('binary bodies', () => {
	// Under and over the 10 KiB inline limit: the second is stored in event_payloads.
	for (const size of [300, 64 * 1024]) {
		it(`a ${size}-byte non-UTF-8 body on an unverified source comes back as base64, byte for byte`, async () => {
			const id = await createSource({ name: `E2E binary ${size}`, slug: `e2e-binary-${size}` })
			const bytes = new Uint8Array(size)
			bytes.set(randomBytes(size))
			bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80])
			const res = await fetch(ingestUrl(id), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes })
			const eventId = await expectAccepted(res, id)
			const event = await getEvent(eventId)
			expect(event).toMatchObject({
				method: 'POST', content_type: 'application/octet-stream', verification_status: 'unverified',
				body_encoding: 'base64', payload_size: size, payload: null
			})
			expect(new Uint8Array(Buffer.from(event.body, 'base64'))).toEqual(bytes)
			await expectRaw(eventId, bytes, 'application/octet-stream')
			expect(await total(id)).toBe(1)
		})
	}
})
