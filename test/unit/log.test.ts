import { describe, expect, it } from 'bun:test'
import { createLogger } from '../../src/lib/log'

/** A logger whose writes are collected; `next()` waits for the end-of-tick write. */
function collecting(level: Parameters<typeof createLogger>[0] = 'info') {
	const chunks: string[] = []
	const log = createLogger(level, (chunk) => void chunks.push(chunk))
	const next = () => new Promise((r) => setImmediate(r))
	return { log, chunks, next }
}

/** The line the generic path would write for these fields: what `access` must produce byte for byte. */
function generic(line: string, requestId: string, method: string, route: string, status: number, durationMs: number | null): string {
	const time = (JSON.parse(line) as { time: string }).time
	return `${JSON.stringify({ time, level: 'info', msg: 'request', request_id: requestId, method, route, status, duration_ms: durationMs })}\n`
}

describe('access log lines', () => {
	it('are the JSON object the generic path writes, for ordinary and hostile routes and methods', async () => {
		const { log, chunks, next } = collecting()
		const cases: [string, string, number, number | null][] = [
			['POST', '/v1/ingest/:source_id', 200, 1.25],
			['GET', '/v1/events', 404, null],
			['POST', '/v1/ingest/"quoted"\\back\\slash', 400, 0],
			['PATCH', '/a\nb\tc\u0000d\u001fe\u007f', 500, 12.5],
			['GET', '/é/日本/😀', 200, 3],
			['GET', '/lone\ud800surrogate', 200, 3],
			['M"E\\T', '/x', 405, 0.01]
		]
		for (const [method, route, status, ms] of cases) log.access('req_0123456789ab', method, route, status, ms)
		await next()
		const lines = chunks.join('').split(/(?<=\n)/)
		expect(lines).toHaveLength(cases.length)
		cases.forEach(([method, route, status, ms], i) => {
			const line = lines[i] as string
			expect(JSON.parse(line)).toMatchObject({ level: 'info', msg: 'request', request_id: 'req_0123456789ab', method, route, status, duration_ms: ms })
			expect(line).toBe(generic(line, 'req_0123456789ab', method, route, status, ms))
		})
	})

	it('stay escaped for routes past the remembered ones', async () => {
		const { log, chunks, next } = collecting()
		const routes = Array.from({ length: 1500 }, (_, i) => `/probe/${i}/"x"\\`)
		for (const r of routes) log.access('req_0123456789ab', 'GET', r, 404, 1)
		// The same routes again: whatever was remembered must give the same text.
		for (const r of routes) log.access('req_0123456789ab', 'GET', r, 404, 1)
		await next()
		const parsed = chunks.join('').trimEnd().split('\n').map((l) => (JSON.parse(l) as { route: string }).route)
		expect(parsed).toEqual([...routes, ...routes])
	})

	it('are written once per tick, in order, and not below the level', async () => {
		const { log, chunks, next } = collecting()
		log.access('req_000000000001', 'GET', '/a', 200, 1)
		log.info('between', { n: 1 })
		log.access('req_000000000002', 'GET', '/b', 200, 2)
		expect(chunks).toHaveLength(0)
		await next()
		expect(chunks).toHaveLength(1)
		expect(chunks[0]?.trimEnd().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['request', 'between', 'request'])
		log.access('req_000000000003', 'GET', '/c', 200, 3)
		log.flush()
		expect(chunks).toHaveLength(2)
		await next()
		expect(chunks).toHaveLength(2) // the flush emptied the buffer: nothing left for the tick

		const quiet = collecting('warn')
		quiet.log.access('req_000000000004', 'GET', '/d', 200, 4)
		quiet.log.info('hidden')
		quiet.log.warn('shown')
		await quiet.next()
		expect(quiet.chunks.join('').trimEnd().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown'])
	})
})
