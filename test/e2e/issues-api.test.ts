import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { otherTenantKey } from '../helpers'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'

let h: Harness
let rx: Receiver
let destinationId: string
let eventId: string
beforeAll(async () => {
	h = await startHarness()
	rx = new Receiver().otherwise({ status: 500 })
	const p = await pipeline(h, 'iss', { url: rx.url, retry_max_attempts: 2, retry_intervals: [1], circuit_breaker_enabled: false })
	destinationId = p.destinationId
	eventId = await h.send(p.sourceId, '{"x":1}')
	await h.until(async () => ((await h.api<{ event: { status: string } }>('GET', `/v1/events/${eventId}`)).body.event.status === 'failed' ? true : undefined))
})
afterAll(async () => {
	await h.close()
	await rx.stop()
})

type Issue = { id: string; status: string; snoozed_until: string | null; resolved_at: string | null; destination_name: string; recent_attempt_ids: string[] }

describe('issues API', () => {
	it('lists open issues with the destination name, and counts them by status', async () => {
		const { body } = await h.api<{ issues: Issue[]; pagination: { total: number; has_more: boolean } }>('GET', '/v1/issues')
		expect(body.issues).toHaveLength(1)
		expect(body.issues[0]).toMatchObject({ status: 'open', destination_name: 'iss', error_type: 'http_5xx', occurrence_count: 1 })
		expect(body.pagination).toMatchObject({ total: 1, has_more: false })
		expect((await h.api('GET', '/v1/issues/summary')).body).toEqual({ open: 1, acknowledged: 0, resolved: 0 })
	})

	it('acknowledges, snoozes, unsnoozes and resolves', async () => {
		const [issue] = (await h.api<{ issues: Issue[] }>('GET', '/v1/issues')).body.issues
		const id = issue?.id ?? ''
		const ack = await h.api<{ issue: Issue }>('PATCH', `/v1/issues/${id}`, { status: 'acknowledged', snoozed_until: '2030-01-01T00:00:00.000Z' })
		expect(ack.body.issue).toMatchObject({ status: 'acknowledged', snoozed_until: '2030-01-01T00:00:00.000Z', resolved_at: null })
		expect((await h.api<{ issue: Issue }>('PATCH', `/v1/issues/${id}`, { snoozed_until: null })).body.issue.snoozed_until).toBeNull()
		const resolved = await h.api<{ issue: Issue }>('PATCH', `/v1/issues/${id}`, { status: 'resolved' })
		expect(resolved.body.issue.status).toBe('resolved')
		expect(resolved.body.issue.resolved_at).not.toBeNull()
		expect((await h.api<{ issues: Issue[] }>('GET', '/v1/issues')).body.issues).toHaveLength(0)
		expect((await h.api<{ issues: Issue[] }>('GET', '/v1/issues?status=all')).body.issues).toHaveLength(1)
	})

	it('a new failure after resolution opens a new issue', async () => {
		const p = await h.api<{ sources: { id: string }[] }>('GET', '/v1/sources')
		const sourceId = p.body.sources.find(() => true)?.id ?? ''
		const second = await h.send(sourceId, '{"x":2}')
		await h.until(async () => ((await h.api<{ event: { status: string } }>('GET', `/v1/events/${second}`)).body.event.status === 'failed' ? true : undefined))
		const open = (await h.api<{ issues: Issue[] }>('GET', `/v1/issues?destination_id=${destinationId}`)).body.issues
		expect(open).toHaveLength(1)
		expect((await h.api('GET', '/v1/issues/summary')).body).toEqual({ open: 1, acknowledged: 0, resolved: 1 })
	})

	it('resolves issues quiet for 30 minutes', async () => {
		const ctx = h.server.ctx
		const realNow = ctx.clock.now
		const clock = ctx.clock as { now: () => number }
		clock.now = () => realNow() + 31 * 60_000
		try {
			expect(await ctx.issues.resolveQuiet()).toBe(1)
		} finally {
			clock.now = realNow
		}
		expect((await h.api('GET', '/v1/issues/summary')).body).toEqual({ open: 0, acknowledged: 0, resolved: 2 })
	})

	it('400 for bad bodies and queries, 404 for unknown and foreign issues', async () => {
		const [issue] = (await h.api<{ issues: Issue[] }>('GET', '/v1/issues?status=all')).body.issues
		expect((await h.api('PATCH', `/v1/issues/${issue?.id}`, { status: 'gone' })).status).toBe(400)
		expect((await h.api('PATCH', `/v1/issues/${issue?.id}`, { snoozed_until: 'tomorrow' })).status).toBe(400)
		expect((await h.api('PATCH', `/v1/issues/${issue?.id}`, {})).status).toBe(400)
		expect((await h.api('GET', '/v1/issues?status=closed')).status).toBe(400)
		expect((await h.api('GET', '/v1/issues/iss_00000000000000000000000000000000')).status).toBe(404)
		const other = await otherTenantKey({ ctx: h.server.ctx } as never)
		for (const [method, path] of [['GET', `/v1/issues/${issue?.id}`], ['POST', `/v1/issues/${issue?.id}/retry`], ['GET', `/v1/events/${eventId}`], ['POST', `/v1/events/${eventId}/retry`]] as const) {
			const res = await fetch(`${h.url}${path}`, { method, headers: { 'x-api-key': other.key } })
			expect({ path, status: res.status }).toEqual({ path, status: 404 })
		}
		const attempts = (await h.api<{ delivery_attempts: { id: string }[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts
		for (const path of [`/v1/delivery-attempts/${attempts[0]?.id}`, `/v1/delivery-attempts/${attempts[0]?.id}/retry`]) {
			const res = await fetch(`${h.url}${path}`, { method: path.endsWith('retry') ? 'POST' : 'GET', headers: { 'x-api-key': other.key } })
			expect({ path, status: res.status }).toEqual({ path, status: 404 })
		}
		const foreignList = await fetch(`${h.url}/v1/delivery-attempts?event_id=${eventId}`, { headers: { 'x-api-key': other.key } })
		expect(((await foreignList.json()) as { delivery_attempts: unknown[] }).delivery_attempts).toHaveLength(0)
	})
})

describe('delivery attempts API', () => {
	it('lists with filters and offset pagination, and shows one attempt', async () => {
		const all = await h.api<{ delivery_attempts: { id: string; status: string; is_dlq: number }[]; pagination: { total: number; limit: number; offset: number; has_more: boolean } }>('GET', '/v1/delivery-attempts?limit=1')
		expect(all.body.pagination).toMatchObject({ limit: 1, offset: 0, has_more: true })
		const total = all.body.pagination.total
		const page2 = await h.api<{ delivery_attempts: { id: string }[] }>('GET', '/v1/delivery-attempts?limit=1&offset=1')
		expect(page2.body.delivery_attempts[0]?.id).not.toBe(all.body.delivery_attempts[0]?.id)
		// Cursor pages walk every attempt once.
		const seen: string[] = []
		let cursor: string | null = null
		do {
			const page: { body: { delivery_attempts: { id: string }[]; pagination: { next_cursor: string | null } } } = await h.api('GET', `/v1/delivery-attempts?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
			seen.push(...page.body.delivery_attempts.map((a) => a.id))
			cursor = page.body.pagination.next_cursor
		} while (cursor)
		expect(seen).toHaveLength(total)
		expect(new Set(seen).size).toBe(total)
		expect((await h.api('GET', '/v1/delivery-attempts?cursor=bm9wZQ')).status).toBe(400)
		const dlq = await h.api<{ delivery_attempts: { is_dlq: number }[]; pagination: { total: number } }>('GET', '/v1/delivery-attempts?is_dlq=1')
		expect(dlq.body.delivery_attempts.length).toBeGreaterThan(0)
		expect(dlq.body.delivery_attempts.every((a) => a.is_dlq === 1)).toBe(true)
		expect(dlq.body.pagination.total).toBeLessThan(total)
		const one = await h.api<{ delivery_attempt: Record<string, unknown> }>('GET', `/v1/delivery-attempts/${all.body.delivery_attempts[0]?.id}`)
		expect(one.body.delivery_attempt).toMatchObject({ destination_name: 'iss', connection_name: 'iss', response_status: 500, request_method: 'POST' })
		for (const q of ['?limit=101', '?status=weird', '?is_dlq=2', '?offset=-1', '?limt=5']) {
			expect({ q, status: (await h.api('GET', `/v1/delivery-attempts${q}`)).status }).toEqual({ q, status: 400 })
		}
	})
})
