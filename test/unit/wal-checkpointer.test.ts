import { afterEach, describe, expect, it } from 'bun:test'
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { AUTOCHECKPOINT_FRAMES, Checkpointer, type CheckpointerOptions, checkpointerFor, DEFAULT_CHECKPOINTER } from '../../src/db/checkpointer'
import { DB_FILE, PAGE_SIZE } from '../../src/db/open'
import { walStateReader } from '../../src/db/wal-state'
import { createLogger } from '../../src/lib/log'
import { sqliteOf } from '../../src/store'
import { makeTestApp, type TestApp, tempDir } from '../helpers'
import { BACKEND } from '../support/pg'
import { until } from '../support/poll'
import { databaseWithPageSize } from '../support/schema-before'

/*
 * The WAL checkpointer (src/db/checkpointer.ts) under continuous ingest through the app.
 * Small limits keep the test short: the same load without the thread grows the WAL far
 * past them (the control case), so the bound asserted is one the load would break.
 */
const OPTS: CheckpointerOptions = { kickFrames: 32, limitFrames: 400, hardLimitFrames: 800, pollMs: 5 }
/**
 * The largest WAL allowed: the hard limit, plus what is written before the guard's next look
 * (every 10 ms; it blocks the main thread, and so the writes, while it waits for the thread).
 */
const BOUND_FRAMES = 4 * OPTS.hardLimitFrames
const FRAME_BYTES = PAGE_SIZE + 24
/** The volume each load writes into the WAL: several times the bound, whatever the machine's speed. */
const LOAD_FRAMES = 4 * BOUND_FRAMES

let t: TestApp | null = null
afterEach(async () => {
	await t?.close()
	t = null
})

const walPath = (app: TestApp) => join(app.dir, `${DB_FILE}-wal`)
const walFrames = (app: TestApp) => Math.max(0, (statSync(walPath(app)).size - 32) / FRAME_BYTES)

/** The WAL header's checkpoint sequence number: SQLite adds one each time the WAL restarts from its start. */
function walResets(app: TestApp): number {
	const fd = openSync(walPath(app), 'r')
	const b = Buffer.alloc(16)
	readSync(fd, b, 0, 16, 0)
	closeSync(fd)
	return b.readUInt32BE(12)
}

/** 32 senders post 1 KB events back to back until LOAD_FRAMES frames went into the WAL; the largest WAL seen, WAL restarts, frames appended. */
async function ingest(app: TestApp): Promise<{ largestFrames: number; resets: number; appended: number }> {
	const res = await app.call('POST', '/v1/sources', { body: { name: 'wal', slug: 'wal' } })
	const id = ((await res.json()) as { source: { id: string } }).source.id
	const body = JSON.stringify({ pad: 'x'.repeat(1000) })
	const resets = walResets(app)
	const wal = walStateReader(join(app.dir, DB_FILE))
	let largestFrames = 0
	let appended = 0
	let last = wal.read()?.mxFrame ?? 0
	const sender = async () => {
		while (appended < LOAD_FRAMES) {
			const r = await app.call('POST', `/v1/ingest/${id}`, { body, key: null })
			expect(r.status).toBe(200)
			largestFrames = Math.max(largestFrames, walFrames(app))
			const now = wal.read()?.mxFrame ?? 0
			appended += now >= last ? now - last : now // after a restart the count starts again from 0
			last = now
		}
	}
	await Promise.all(Array.from({ length: 32 }, sender))
	wal.close()
	return { largestFrames, resets: walResets(app) - resets, appended }
}

describe.skipIf(BACKEND === 'postgres')('WAL checkpoints on their own thread', () => {
	it('keeps the WAL bounded and restarting under continuous ingest, a good share of the frames copied by the thread', async () => {
		t = await makeTestApp()
		const db = sqliteOf(t.ctx.store)
		const checkpointer = t.ctx.store.checkpointInBackground(createLogger('silent'), OPTS) as Checkpointer
		await until(() => checkpointer.running, 'checkpointer thread running')
		expect(checkpointer.running).toBe(true)
		expect(db.query<{ wal_autocheckpoint: number }, []>('PRAGMA wal_autocheckpoint').get()?.wal_autocheckpoint).toBe(OPTS.limitFrames)
		const load = await ingest(t)
		expect(load.largestFrames).toBeLessThanOrEqual(BOUND_FRAMES)
		expect(load.resets).toBeGreaterThanOrEqual(3)
		const stats = await checkpointer.stop()
		// The thread copied a good share of the frames (about 60 % with these small limits), the main thread the rest of each cycle.
		expect(stats?.frames ?? 0).toBeGreaterThan(0.25 * load.appended)
		// Stopped: the main connection checkpoints on its own again.
		expect(db.query<{ wal_autocheckpoint: number }, []>('PRAGMA wal_autocheckpoint').get()?.wal_autocheckpoint).toBe(AUTOCHECKPOINT_FRAMES)
	}, 30000)

	it('counts its default limits in bytes: a database of 8 KB pages gets half the frames of a 4 KB one', async () => {
		expect(checkpointerFor(4096)).toEqual(DEFAULT_CHECKPOINTER)
		expect(checkpointerFor(8192)).toEqual({ ...DEFAULT_CHECKPOINTER, kickFrames: 256, limitFrames: 4000, hardLimitFrames: 8000 })
		const limitOf = async (app: TestApp) => {
			const checkpointer = app.ctx.store.checkpointInBackground(createLogger('silent')) as Checkpointer
			await until(() => checkpointer.running, 'checkpointer thread running')
			return sqliteOf(app.ctx.store).query<{ wal_autocheckpoint: number }, []>('PRAGMA wal_autocheckpoint').get()?.wal_autocheckpoint
		}
		t = await makeTestApp()
		expect(await limitOf(t)).toBe(4000) // a new database: 8 KB pages
		await t.close()
		t = null
		// A database an older build made keeps its 4 KB pages, and the limits their frame counts.
		const dir = tempDir('hookstream-checkpointer-4k-')
		databaseWithPageSize(dir, 4096)
		try {
			t = await makeTestApp({ 'data-dir': dir })
			expect(await limitOf(t)).toBe(DEFAULT_CHECKPOINTER.limitFrames)
		} finally {
			await t?.close() // before the dir goes; afterEach then finds nothing to close
			t = null
			rmSync(dir, { recursive: true, force: true })
		}
	}, 30000)

	it('control: the same load with autocheckpoint off and no thread grows the WAL past the bound', async () => {
		t = await makeTestApp()
		sqliteOf(t.ctx.store).run('PRAGMA wal_autocheckpoint = 0')
		const load = await ingest(t)
		expect(load.largestFrames).toBeGreaterThan(BOUND_FRAMES)
		expect(load.resets).toBe(0)
	}, 30000)

	it('falls back to the autocheckpoint, and says so, when the thread dies', async () => {
		t = await makeTestApp()
		const db = sqliteOf(t.ctx.store)
		const lines: string[] = []
		const crashing = new URL('../fixtures/workers/crashing-checkpointer.ts', import.meta.url)
		const checkpointer = new Checkpointer(db, 'NORMAL', createLogger('info', (chunk) => lines.push(chunk)), OPTS, crashing)
		checkpointer.start()
		const autocheckpoint = () => db.query<{ wal_autocheckpoint: number }, []>('PRAGMA wal_autocheckpoint').get()?.wal_autocheckpoint
		await until(() => autocheckpoint() === OPTS.limitFrames, 'autocheckpoint raised to the limit')
		expect(autocheckpoint()).toBe(OPTS.limitFrames)
		await until(() => !checkpointer.running, 'checkpointer thread gone')
		expect(checkpointer.running).toBe(false)
		expect(autocheckpoint()).toBe(AUTOCHECKPOINT_FRAMES)
		await until(() => lines.join('').includes('checkpointer crashed'), 'the crash logged') // the logger writes once per tick
		expect(lines.join('')).toContain('WAL checkpointer thread died; checkpoints run on the main thread again')
		expect(lines.join('')).toContain('checkpointer crashed')
		// SQLite's own checkpoint at 1,000 frames bounds the WAL again.
		const load = await ingest(t)
		expect(load.largestFrames).toBeLessThanOrEqual(AUTOCHECKPOINT_FRAMES + 200)
		expect(load.resets).toBeGreaterThanOrEqual(1)
	}, 30000)

	it('catches up once writes pause, so that the next write restarts the WAL without a checkpoint on the main thread', async () => {
		t = await makeTestApp()
		const db = sqliteOf(t.ctx.store)
		const checkpointer = t.ctx.store.checkpointInBackground(createLogger('silent'), OPTS) as Checkpointer
		await until(() => checkpointer.running, 'checkpointer thread running')
		expect(checkpointer.running).toBe(true)
		const wal = walStateReader(join(t.dir, DB_FILE))
		// Fewer frames than a round waits for: only the pause makes the thread copy them.
		await t.call('POST', '/v1/sources', { body: { name: 'a', slug: 'a' } })
		const written = wal.read()?.mxFrame ?? 0
		expect(written).toBeGreaterThan(wal.read()?.nBackfill ?? 0)
		expect(written).toBeLessThan(OPTS.limitFrames)
		await until(() => wal.read()?.nBackfill === written, 'the pause copied every frame')
		expect(wal.read()?.nBackfill).toBe(written)
		const resets = walResets(t)
		db.run('PRAGMA wal_autocheckpoint = 0') // the main connection checkpoints nothing itself
		await t.call('POST', '/v1/sources', { body: { name: 'b', slug: 'b' } })
		expect(walResets(t)).toBe(resets + 1)
		wal.close()
	})

	it('stops the thread before the closing checkpoint, which empties the WAL', async () => {
		t = await makeTestApp()
		const checkpointer = t.ctx.store.checkpointInBackground(createLogger('silent'), OPTS) as Checkpointer
		await until(() => checkpointer.running, 'checkpointer thread running')
		expect(checkpointer.running).toBe(true)
		await t.call('POST', '/v1/sources', { body: { name: 'a', slug: 'a' } })
		await t.ctx.store.checkpoint()
		expect(checkpointer.running).toBe(false)
		expect(existsSync(walPath(t)) ? statSync(walPath(t)).size : 0).toBe(0)
	})
})
