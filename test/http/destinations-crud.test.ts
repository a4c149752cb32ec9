import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, otherTenantKey, type TestApp } from '../helpers'

type Dst = Record<string, unknown> & { id: string; slug: string }
let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

const URL_A = 'https://api.example.com/hook'

async function create(body: Record<string, unknown>): Promise<Dst> {
	const res = await t.call('POST', '/v1/destinations', { body: { url: URL_A, ...body } })
	expect(res.status).toBe(201)
	return ((await res.json()) as { destination: Dst }).destination
}

async function patch(id: string, body: unknown): Promise<{ status: number; destination: Dst }> {
	const res = await t.call('PATCH', `/v1/destinations/${id}`, { body })
	return { status: res.status, destination: ((await res.json()) as { destination: Dst }).destination }
}

describe('GET /v1/destinations', () => {
	it('pages newest first with no duplicates or gaps', async () => {
		const ids: string[] = []
		for (let i = 0; i < 23; i++) ids.push((await create({ name: `d${i}`, slug: `page-${i}` })).id)
		const seen: string[] = []
		let cursor: string | null = null
		let pages = 0
		do {
			const res = await t.call('GET', `/v1/destinations?limit=5${cursor ? `&cursor=${cursor}` : ''}`)
			expect(res.status).toBe(200)
			const body = (await res.json()) as { destinations: Dst[]; cursor: string | null; has_more: boolean }
			expect(body.destinations.length).toBeLessThanOrEqual(5)
			expect(body.has_more).toBe(body.cursor !== null)
			seen.push(...body.destinations.map((d) => d.id))
			cursor = body.cursor
			pages++
		} while (cursor)
		expect(pages).toBe(5)
		expect(seen).toEqual([...ids].reverse())
	})

	it('defaults to 20 per page and rejects bad limits and forged cursors', async () => {
		const body = (await (await t.call('GET', '/v1/destinations')).json()) as { destinations: Dst[]; has_more: boolean }
		expect(body.destinations).toHaveLength(20)
		expect(body.has_more).toBe(true)
		for (const q of ['limit=101', 'limit=0', 'limit=abc', 'limt=5']) expect((await t.call('GET', `/v1/destinations?${q}`)).status).toBe(400)
		// A source id is not a destination cursor.
		const forged = Buffer.from(`src_${'0'.repeat(32)}`).toString('base64url')
		expect(await (await t.call('GET', `/v1/destinations?cursor=${forged}`)).json()).toMatchObject({ error: 'Invalid cursor', status: 400 })
	})
})

describe('GET/PATCH/DELETE /v1/destinations/:id', () => {
	it('gets one destination; 404 for unknown and malformed ids', async () => {
		const dst = await create({ name: 'g', slug: 'get-me' })
		expect(await (await t.call('GET', `/v1/destinations/${dst.id}`)).json()).toEqual({ destination: dst })
		for (const id of [`dst_${'0'.repeat(32)}`, 'nope', `src_${'0'.repeat(32)}`]) {
			const res = await t.call('GET', `/v1/destinations/${id}`)
			expect(res.status).toBe(404)
			expect(await res.json()).toMatchObject({ error: 'Destination not found', status: 404 })
		}
	})

	it('changes only the fields sent and keeps secrets when they are not sent', async () => {
		const dst = await create({
			name: 'before', slug: 'patch-me', headers: { 'X-A': '1' }, auth_type: 'bearer', auth_config: { token: 'token-kept-abcd' },
			signing_config: { secret: 'signing-kept-wxyz' }, retry_intervals: [5]
		})
		await Bun.sleep(2)
		const { status, destination: after } = await patch(dst.id, { name: 'after', timeout_ms: 5000 })
		expect(status).toBe(200)
		expect(after).toMatchObject({ name: 'after', timeout_ms: 5000, auth_config: '{"token":"****abcd"}' })
		expect(String(after.updated_at) > String(dst.updated_at)).toBe(true)
		const { name: _n, timeout_ms: _t, timeout: _ts, updated_at: _u, ...rest } = after
		const { name: _n2, timeout_ms: _t2, timeout: _ts2, updated_at: _u2, ...restBefore } = dst
		expect(rest).toEqual(restBefore)
		const target = await t.ctx.destinations.resolveForDelivery(dst.id)
		expect(target?.auth).toEqual({ type: 'bearer', config: { token: 'token-kept-abcd' } })
		expect(target?.signing?.secret).toBe('signing-kept-wxyz')
	})

	it('updates every other field, slug and status included', async () => {
		const dst = await create({ name: 'all', slug: 'patch-all' })
		const { status, destination } = await patch(dst.id, {
			slug: 'patched-all', url: 'http://internal:8080/in', method: 'PATCH', headers: { 'X-B': '2' }, status: 'paused', type: 'http',
			auth_type: 'basic', auth_config: { username: 'bob', password: 'secret-pass-9999' }, signing_config: { secret: 'new-signing-7777', algorithm: 'sha1' },
			retry_enabled: false, retry_max_attempts: 1, retry_backoff_type: 'fixed', retry_intervals: [60, 120],
			circuit_breaker_enabled: false, circuit_breaker_threshold: 2, circuit_breaker_reset_ms: 2000
		})
		expect(status).toBe(200)
		expect(destination).toMatchObject({
			slug: 'patched-all', url: 'http://internal:8080/in', method: 'PATCH', headers: '{"X-B":"2"}', status: 'paused',
			auth_type: 'basic', auth_config: '{"username":"bob","password":"****9999"}', retry_enabled: 0, retry_max_attempts: 1,
			retry_backoff_type: 'fixed', retry_intervals: '[60,120]', circuit_breaker_enabled: 0, circuit_breaker_threshold: 2,
			circuit_breaker_reset_ms: 2000
		})
		expect(JSON.parse(destination.signing_config as string)).toMatchObject({ secret: '****7777', algorithm: 'sha1', prefix: 'sha1=' })
	})

	it('clears headers, auth and signing with null', async () => {
		const dst = await create({ name: 'c', slug: 'clear-me', headers: { 'X-A': '1' }, auth_type: 'api_key', auth_config: { key: 'k-123456789' }, signing_config: { secret: '12345678' } })
		const { destination } = await patch(dst.id, { headers: null, auth_config: null, signing_config: null })
		expect(destination).toMatchObject({ headers: null, auth_type: 'none', auth_config: null, signing_config: null })
		expect(await t.ctx.destinations.resolveForDelivery(dst.id)).toMatchObject({ headers: {}, auth: { type: 'none', config: null }, signing: null })
	})

	it('switches auth: a new type needs new credentials; none drops them; config alone is checked against the current type', async () => {
		const dst = await create({ name: 'a', slug: 'auth-switch', auth_type: 'bearer', auth_config: { token: 'first-token-1111' } })
		expect((await patch(dst.id, { auth_type: 'basic' })).status).toBe(400)
		expect((await patch(dst.id, { auth_config: { username: 'u', password: 'p' } })).status).toBe(400)
		expect((await patch(dst.id, { auth_type: 'bearer', auth_config: null })).status).toBe(400)
		expect((await patch(dst.id, { auth_type: 'bearer' })).destination.auth_config).toBe('{"token":"****1111"}')
		expect((await patch(dst.id, { auth_config: { token: 'second-token-2222' } })).destination.auth_config).toBe('{"token":"****2222"}')
		expect((await patch(dst.id, { auth_type: 'none' })).destination).toMatchObject({ auth_type: 'none', auth_config: null })
		expect((await patch(dst.id, { auth_type: 'custom', auth_config: { headers: { 'X-Custom': 'custom-value-3333' } } })).destination)
			.toMatchObject({ auth_type: 'custom', auth_config: '{"headers":{"X-Custom":"****3333"}}' })
	})

	it('rejects bad patches with 400 and changes nothing', async () => {
		const dst = await create({ name: 'b', slug: 'bad-patch', auth_type: 'bearer', auth_config: { token: 'unchanged-token' } })
		const bodies = [
			{}, { status: 'gone' }, { type: 'sqs' }, { url: 'nope' }, { slug: 'Bad Slug' }, { name: null }, { config: { a: 1 } },
			{ auth_config: { token: '' } }, { signing_config: { secret: 'short' } }, { retry_intervals: [] }, { headers: { 'bad name': 'x' } }
		]
		for (const body of bodies) {
			const res = await t.call('PATCH', `/v1/destinations/${dst.id}`, { body })
			expect({ body, status: res.status }).toEqual({ body, status: 400 })
		}
		expect(await (await t.call('GET', `/v1/destinations/${dst.id}`)).json()).toEqual({ destination: dst })
	})

	it('answers 409 when a PATCH takes a used slug', async () => {
		await create({ name: 'x', slug: 'slug-owner' })
		const dst = await create({ name: 'y', slug: 'slug-wanter' })
		const res = await t.call('PATCH', `/v1/destinations/${dst.id}`, { body: { slug: 'slug-owner' } })
		expect(res.status).toBe(409)
	})

	it('deletes, then 404; the slug is free again', async () => {
		const dst = await create({ name: 'd', slug: 'delete-me' })
		const res = await t.call('DELETE', `/v1/destinations/${dst.id}`)
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual({ success: true })
		expect((await t.call('GET', `/v1/destinations/${dst.id}`)).status).toBe(404)
		expect((await t.call('DELETE', `/v1/destinations/${dst.id}`)).status).toBe(404)
		expect(await t.ctx.destinations.resolveForDelivery(dst.id)).toBeNull()
		await create({ name: 'd', slug: 'delete-me' })
	})

	it('tells listeners about every write', async () => {
		const heard: string[] = []
		t.ctx.destinations.onChange((id) => heard.push(id))
		const dst = await create({ name: 'l', slug: 'listened' })
		await patch(dst.id, { name: 'l2' })
		await t.call('POST', `/v1/destinations/${dst.id}/circuit/reset`)
		await t.call('DELETE', `/v1/destinations/${dst.id}`)
		expect(heard).toEqual([dst.id, dst.id, dst.id, dst.id])
	})
})

describe('tenancy', () => {
	it('404 for another environment\'s destination everywhere; absent from its list', async () => {
		const dst = await create({ name: 'mine', slug: 'mine' })
		const other = await otherTenantKey(t)
		const calls = [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['GET', '/circuit'], ['POST', '/circuit/reset']] as const
		for (const [method, suffix] of calls) {
			const res = await t.call(method, `/v1/destinations/${dst.id}${suffix}`, { key: other.key, body: method === 'PATCH' ? { name: 'stolen' } : undefined })
			expect({ method, suffix, status: res.status }).toEqual({ method, suffix, status: 404 })
			expect(await res.json()).toMatchObject({ error: 'Destination not found' })
		}
		const list = (await (await t.call('GET', '/v1/destinations', { key: other.key })).json()) as { destinations: unknown[] }
		expect(list.destinations).toHaveLength(0)
		expect((await t.call('GET', `/v1/destinations/${dst.id}`)).status).toBe(200)
		expect((await t.call('POST', '/v1/destinations', { key: other.key, body: { name: 'mine', slug: 'mine', url: URL_A } })).status).toBe(201)
	})

	it('403 when a body or query names another org or environment', async () => {
		expect((await t.call('POST', '/v1/destinations', { body: { name: 'x', slug: 'x', url: URL_A, org_id: 'org_other' } })).status).toBe(403)
		expect((await t.call('GET', '/v1/destinations?env_id=env_other')).status).toBe(403)
		const dst = await create({ name: 'scoped', slug: 'scoped' })
		expect((await t.call('PATCH', `/v1/destinations/${dst.id}`, { body: { env_id: 'env_other' } })).status).toBe(403)
	})

	it('401 without a key', async () => {
		expect((await t.call('GET', '/v1/destinations', { key: null })).status).toBe(401)
	})
})

describe('circuit breaker API', () => {
	it('starts closed with no failures, and a reset closes an open circuit', async () => {
		const dst = await create({ name: 'cb', slug: 'circuit' })
		const res = await t.call('GET', `/v1/destinations/${dst.id}/circuit`)
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual({ circuit: { state: 'closed', failure_count: 0, opened_at: null, next_probe_at: null, last_transition_at: null } })

		const openedAt = Date.UTC(2026, 0, 1, 12)
		await t.ctx.store.deliveries.setCircuit(dst.id, { state: 'open', failure_count: 5, opened_at: openedAt, next_probe_at: openedAt + 60000, last_transition_at: openedAt })
		expect(await (await t.call('GET', `/v1/destinations/${dst.id}/circuit`)).json()).toEqual({
			circuit: { state: 'open', failure_count: 5, opened_at: '2026-01-01T12:00:00.000Z', next_probe_at: '2026-01-01T12:01:00.000Z', last_transition_at: '2026-01-01T12:00:00.000Z' }
		})

		const before = Date.now()
		const reset = await t.call('POST', `/v1/destinations/${dst.id}/circuit/reset`)
		expect(reset.status).toBe(200)
		const { circuit } = (await reset.json()) as { circuit: Record<string, unknown> }
		expect(circuit).toMatchObject({ state: 'closed', failure_count: 0, opened_at: null, next_probe_at: null })
		expect(Date.parse(circuit.last_transition_at as string)).toBeGreaterThanOrEqual(before)
		expect(await (await t.call('GET', `/v1/destinations/${dst.id}/circuit`)).json()).toEqual({ circuit })
		// Breaker state is not configuration: it does not show on the destination nor move updated_at.
		expect(await (await t.call('GET', `/v1/destinations/${dst.id}`)).json()).toEqual({ destination: dst })
	})

	it('a PATCH does not overwrite breaker state or counters the worker wrote', async () => {
		const dst = await create({ name: 'w', slug: 'worker-owned' })
		await t.ctx.store.deliveries.setCircuit(dst.id, { state: 'half-open', failure_count: 3, opened_at: 1, next_probe_at: 2, last_transition_at: 3 })
		await t.ctx.store.deliveries.bumpDelivered(dst.id, Date.UTC(2026, 1, 1))
		await t.ctx.store.deliveries.bumpDelivered(dst.id, Date.UTC(2025, 1, 1))
		const { destination } = await patch(dst.id, { name: 'renamed' })
		expect(destination).toMatchObject({ event_count: 2, last_delivery_at: '2026-02-01T00:00:00.000Z' })
		expect(await t.ctx.store.deliveries.getCircuit(dst.id)).toEqual({ state: 'half-open', failure_count: 3, opened_at: 1, next_probe_at: 2, last_transition_at: 3 })
	})
})

describe('resolveForDelivery', () => {
	it('returns the plaintext credentials and parsed settings', async () => {
		const dst = await create({
			name: 'r', slug: 'resolve', method: 'PUT', headers: { 'X-Team': 'core' }, timeout_ms: 7000,
			auth_type: 'api_key', auth_config: { key: 'plain-api-key-0001' },
			signing_config: { secret: 'plain-signing-0002', include_timestamp: true, timestamp_header: 'X-Ts' },
			retry_max_attempts: 4, retry_backoff_type: 'linear', retry_intervals: [15], circuit_breaker_threshold: 3, circuit_breaker_reset_ms: 9000
		})
		const target = await t.ctx.destinations.resolveForDelivery(dst.id)
		expect(target).not.toBeNull()
		expect(target?.row).toMatchObject({ id: dst.id, url: URL_A, method: 'PUT', timeout_ms: 7000, status: 'active' })
		expect(target?.headers).toEqual({ 'X-Team': 'core' })
		expect(target?.auth).toEqual({ type: 'api_key', config: { header: 'X-API-Key', key: 'plain-api-key-0001' } })
		expect(target?.signing).toEqual({
			secret: 'plain-signing-0002', algorithm: 'sha256', header: 'X-hookstream-Signature', prefix: 'sha256=', include_timestamp: true, timestamp_header: 'X-Ts'
		})
		expect(target?.row).toMatchObject({ retry_max_attempts: 4, retry_backoff_type: 'linear', retry_intervals: '[15]', circuit_breaker_threshold: 3, circuit_breaker_reset_ms: 9000 })
	})

	it('returns null for unknown and malformed ids', async () => {
		expect(await t.ctx.destinations.resolveForDelivery(`dst_${'f'.repeat(32)}`)).toBeNull()
		expect(await t.ctx.destinations.resolveForDelivery('nope')).toBeNull()
	})
})

describe('OpenAPI', () => {
	it('documents every destination route under the Destinations tag', async () => {
		type Op = { summary?: string; tags?: string[]; responses: Record<string, unknown> }
		const spec = (await (await t.call('GET', '/docs/json', { key: null })).json()) as { paths: Record<string, Record<string, Op>> }
		const routes = [
			['/v1/destinations', ['get', 'post']], ['/v1/destinations/{id}', ['get', 'patch', 'delete']],
			['/v1/destinations/{id}/circuit', ['get']], ['/v1/destinations/{id}/circuit/reset', ['post']]
		] as const
		for (const [path, methods] of routes) {
			for (const m of methods) {
				const op = spec.paths[path]?.[m]
				expect({ path, m, summary: !!op?.summary, tags: op?.tags }).toEqual({ path, m, summary: true, tags: ['Destinations'] })
			}
		}
		expect(JSON.stringify(spec.paths['/v1/destinations']?.post?.responses)).toContain('circuit_breaker_reset_ms')
	})
})
