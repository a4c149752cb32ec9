import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { asUser, PASSWORD } from '../accounts-helpers'

let t: TestApp
let sourceId: string
let destinationId: string
let connectionId: string

async function created(path: string, body: Record<string, unknown>): Promise<string> {
	const res = await t.call('POST', path, { body })
	expect(res.status).toBe(201)
	const json = (await res.json()) as Record<string, { id: string }>
	return (Object.values(json)[0] as { id: string }).id
}

beforeAll(async () => {
	t = await makeTestApp()
	sourceId = await created('/v1/sources', { name: 'Text', slug: 'text' })
	destinationId = await created('/v1/destinations', { name: 'Text', slug: 'text', url: 'https://example.com/hook' })
	connectionId = await created('/v1/connections', { name: 'Text', source_id: sourceId, destination_id: destinationId })
})
afterAll(() => t.close())

const HOSTILE: [string, string][] = [
	['NUL', 'a\u0000b'], ['BEL', 'a\u0007b'], ['ESC', 'a\u001b[31mb'], ['DEL', 'a\u007fb'], ['C1 NEL', 'a\u0085b'],
	['right-to-left override', 'invoice\u202Etxt.exe'], ['right-to-left isolate', 'a\u2067b'], ['left-to-right mark', 'a\u200Eb'], ['Arabic letter mark', 'a\u061Cb']
]

/** Every write of a name or description: [what, method, path, body builder (null = create with a fresh slug)]. */
const WRITES: [string, string, () => string, (field: string, value: string, n: number) => Record<string, unknown>][] = [
	['create source', 'POST', () => '/v1/sources', (f, v, n) => ({ name: 'ok', slug: `s-${n}`, [f]: v })],
	['update source', 'PATCH', () => `/v1/sources/${sourceId}`, (f, v) => ({ [f]: v })],
	['create destination', 'POST', () => '/v1/destinations', (f, v, n) => ({ name: 'ok', slug: `d-${n}`, url: 'https://example.com/x', [f]: v })],
	['update destination', 'PATCH', () => `/v1/destinations/${destinationId}`, (f, v) => ({ [f]: v })],
	['create connection', 'POST', () => '/v1/connections', (f, v) => ({ name: 'ok', source_id: sourceId, destination_id: destinationId, [f]: v })],
	['update connection', 'PATCH', () => `/v1/connections/${connectionId}`, (f, v) => ({ [f]: v })]
]

describe('L9: names and descriptions refuse control and bidi characters', () => {
	it('400 naming the field, for every write and every hostile character', async () => {
		let n = 0
		for (const [what, method, path, body] of WRITES) {
			const fields = what.includes('destination') ? ['name'] : ['name', 'description']
			for (const field of fields) {
				for (const [label, value] of HOSTILE) {
					const res = await t.call(method, path(), { body: body(field, value, n++) })
					const json = (await res.json()) as { error: string; details?: { path: string; message: string }[] }
					expect({ what, field, label, status: res.status }).toEqual({ what, field, label, status: 400 })
					expect({ what, field, label, detail: json.details?.[0] }).toEqual({ what, field, label, detail: { path: `/${field}`, message: expect.stringContaining('control characters') } })
					expect(json.error).toContain(`'${field}'`)
				}
			}
		}
	})

	it('nothing hostile was stored', async () => {
		const { sources } = (await (await t.call('GET', '/v1/sources?limit=100')).json()) as { sources: { name: string }[] }
		expect(sources.map((s) => s.name)).toEqual(['Text'])
	})

	it('accepts ordinary Unicode, and line breaks and tabs in descriptions', async () => {
		const res = await t.call('PATCH', `/v1/sources/${sourceId}`, { body: { name: 'Zahlungen · 支付 · مدفوعات 🎉', description: 'line one\nline two\twith a tab\r\n' } })
		expect(res.status).toBe(200)
		expect((await t.call('PATCH', `/v1/sources/${sourceId}`, { body: { name: 'two\nlines' } })).status).toBe(400)
	})
})

describe('L9 for the accounts writes: environment, API key and new member names', () => {
	it('400 naming the field for every hostile character; the same write with a plain name succeeds', async () => {
		const owner = await asUser(t, 'text-owner@example.com', 'owner')
		const envId = ((await (await owner.call('POST', '/v1/environments', { body: { name: 'Plain', slug: 'plain' } })).json()) as { environment: { id: string } }).environment.id
		const invitationId = async (n: number) => {
			const res = await owner.call('POST', '/v1/invitations', { body: { email: `new-${n}@example.com` } })
			return ((await res.json()) as { invitation: { id: string } }).invitation.id
		}
		const writes: [string, (v: string, n: number) => Promise<Response>][] = [
			['create environment', (v, n) => owner.call('POST', '/v1/environments', { body: { name: v, slug: `e-${n}` } })],
			['update environment', (v) => owner.call('PATCH', `/v1/environments/${envId}`, { body: { name: v } })],
			['create API key', (v) => owner.call('POST', '/v1/auth/api-keys', { body: { name: v } })],
			['accept invitation', async (v, n) => t.call('POST', `/v1/invitations/${await invitationId(n)}/accept`, { key: null, body: { name: v, password: PASSWORD } })]
		]
		let n = 0
		for (const [what, write] of writes) {
			for (const [label, value] of HOSTILE) {
				const res = await write(value, n++)
				const json = (await res.json()) as { error: string; details?: { path: string; message: string }[] }
				expect({ what, label, status: res.status, detail: json.details?.[0] }).toEqual({
					what, label, status: 400, detail: { path: '/name', message: expect.stringContaining('control characters') }
				})
			}
			expect({ what, status: (await write('Zahlungen · 支付', n++)).status }).toEqual({ what, status: what.startsWith('update') ? 200 : 201 })
		}
	})
})
