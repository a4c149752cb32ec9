import { describe, expect, it } from 'bun:test'
import type { EventRow } from '../../src/events/repo'
import { newId } from '../../src/lib/ids'
import { silentLogger } from '../../src/lib/log'
import { type Frame, LiveHub } from '../../src/live/hub'
import { parseChannel } from '../../src/live/model'
import type { LiveRepo, StoredEvent } from '../../src/live/repo'

function stored(sourceId = 'src_00000000000000000000000000000001', envId = 'env_1'): StoredEvent {
	const row = {
		id: newId('evt'), org_id: 'org_1', env_id: envId, source_id: sourceId, method: 'POST', headers: '{}', query_params: null,
		content_type: null, source_ip: null, payload_inline: null, payload_ref: null, payload_size: 1, verification_status: 'unverified',
		verification_error: null, dedup_status: 'unique', dedup_hash: null, status: 'no_route', received_at: Date.now(), topic: null
	} satisfies EventRow
	return { row, body: new TextEncoder().encode('x') }
}

/** A repo whose replay read waits until the test lets it go, so commits can land mid-replay. */
function slowRepo(all: StoredEvent[]) {
	let release = () => {}
	const gate = new Promise<void>((r) => (release = r))
	const repo: Pick<LiveRepo, 'eventsAfter'> = {
		async eventsAfter(_env, _src, after, limit) {
			const after_ = all.filter((e) => e.row.id > after)
			await gate
			return { events: after_.slice(0, limit), more: after_.length > limit }
		}
	}
	return { repo, release }
}

function sink() {
	const frames: Frame[] = []
	return { frames, send: (f: Frame) => (frames.push(f), true), behind: () => false, close: () => {}, ids: () => frames.filter((f) => f.type === 'event').map((f) => f.id) }
}

describe('LiveHub resume seam', () => {
	it('holds live events during the replay and skips those the replay sent', async () => {
		const events = [stored(), stored(), stored()]
		const { repo, release } = slowRepo(events)
		const hub = new LiveHub(repo, silentLogger, 1000)
		const s = sink()
		const conn = hub.connect({ orgId: 'org_1', envId: 'env_1' }, s)
		const channel = parseChannel('events')
		if (!channel) throw new Error('channel')
		const subscribing = hub.subscribe(conn, channel, { since: events[0]?.row.id })
		// Committed while the replay reads: one the replay already saw, one it did not.
		const late = stored()
		hub.eventsCommitted([events[2] as StoredEvent, late])
		expect(s.ids()).toEqual([])
		release()
		await subscribing
		expect(s.ids()).toEqual([events[1]?.row.id, events[2]?.row.id, late.row.id])
		expect(s.frames.map((f) => f.type)).toEqual(['event', 'event', 'subscribed', 'event'])
	})

	it('skips the late live copy of an event the replay already sent', async () => {
		const events = [stored(), stored()]
		const { repo, release } = slowRepo(events)
		release()
		const hub = new LiveHub(repo, silentLogger, 1000)
		const s = sink()
		const conn = hub.connect({ orgId: 'org_1', envId: 'env_1' }, s)
		await hub.subscribe(conn, parseChannel('events') as never, { since: events[0]?.row.id })
		// Committed before the replay read it, published after the replay ended (async database).
		hub.eventsCommitted([events[1] as StoredEvent])
		const next = stored()
		hub.eventsCommitted([next])
		expect(s.ids()).toEqual([events[1]?.row.id, next.row.id])
	})

	it('drops a client whose sink refuses a frame and stops fanning out to it', () => {
		const hub = new LiveHub(slowRepo([]).repo, silentLogger, 1000)
		let closed: number | null = null
		const conn = hub.connect({ orgId: 'org_1', envId: 'env_1' }, { send: () => false, behind: () => false, close: (code) => (closed = code) })
		void hub.subscribe(conn, parseChannel('events') as never, { ack: false })
		hub.eventsCommitted([stored()])
		expect(closed === 1013).toBe(true)
		expect(hub.connectionCount).toBe(0)
	})

	it('keeps environments apart', () => {
		const hub = new LiveHub(slowRepo([]).repo, silentLogger, 1000)
		const a = sink()
		const conn = hub.connect({ orgId: 'org_1', envId: 'env_1' }, a)
		void hub.subscribe(conn, parseChannel('events') as never, { ack: false })
		hub.eventsCommitted([stored(undefined, 'env_2')])
		expect(a.frames).toEqual([])
	})

	it('drops a client still behind at a heartbeat, and keeps one that caught up', async () => {
		const hub = new LiveHub(slowRepo([]).repo, silentLogger, 20)
		let lagging = true
		const closed: number[] = []
		hub.connect({ orgId: 'org_1', envId: 'env_1' }, { send: () => true, behind: () => lagging, close: (code) => closed.push(code) })
		const ok = sink()
		hub.connect({ orgId: 'org_1', envId: 'env_1' }, ok)
		hub.start()
		try {
			for (let i = 0; i < 100 && closed.length === 0; i++) await Bun.sleep(10)
			expect(closed).toEqual([1013])
			expect(hub.connectionCount).toBe(1)
			lagging = false
			for (let i = 0; i < 100 && ok.frames.length < 2; i++) await Bun.sleep(10)
			expect(ok.frames.filter((f) => f.type === 'heartbeat').length).toBeGreaterThanOrEqual(2)
		} finally {
			hub.stop()
		}
	})
})

describe('destination channels', () => {
	it('parses a websocket destination channel case-insensitively, never a built-in name', () => {
		expect(parseChannel('Orders.EU-1')).toEqual({ name: 'orders.eu-1', kind: 'destination', scope: null })
		expect(parseChannel('events')?.kind).toBe('events')
		for (const bad of ['EVENTS', 'Issues', '-x', '.x', 'a b', 'x'.repeat(101), 'events:nope', '', 7]) expect(parseChannel(bad)).toBeNull()
	})

	it('broadcasts to the channel in one environment only, counting the clients that took it', async () => {
		const hub = new LiveHub(slowRepo([]).repo, silentLogger, 1000)
		const [a, b, other, elsewhere] = [sink(), sink(), sink(), sink()]
		const channel = parseChannel('orders') as never
		for (const [s, env, ch] of [[a, 'env_1', channel], [b, 'env_1', channel], [other, 'env_1', parseChannel('invoices')], [elsewhere, 'env_2', channel]] as const) {
			await hub.subscribe(hub.connect({ orgId: 'org_1', envId: env }, s), ch as never)
		}
		expect(hub.broadcast('env_1', 'orders', { type: 'event.delivered', channel: 'orders', data: { n: 1 } })).toBe(2)
		const delivered = (s: ReturnType<typeof sink>) => s.frames.filter((f) => f.type === 'event.delivered').map((f) => JSON.parse(f.text))
		expect(delivered(a)).toEqual([{ type: 'event.delivered', channel: 'orders', data: { n: 1 } }])
		expect(delivered(b)).toEqual(delivered(a))
		expect(delivered(other)).toEqual([])
		expect(delivered(elsewhere)).toEqual([])
		expect(hub.broadcast('env_3', 'orders', { type: 'event.delivered' })).toBe(0)
	})

	it('drops a client past its buffer cap and does not count it', async () => {
		const hub = new LiveHub(slowRepo([]).repo, silentLogger, 1000)
		const ok = sink()
		const closed: number[] = []
		const full = { ...sink(), send: (f: Frame) => f.type !== 'event.delivered', close: (code: number) => void closed.push(code) }
		const fullConn = hub.connect({ orgId: 'org_1', envId: 'env_1' }, full)
		await hub.subscribe(fullConn, parseChannel('orders') as never)
		await hub.subscribe(hub.connect({ orgId: 'org_1', envId: 'env_1' }, ok), parseChannel('orders') as never)
		expect(hub.broadcast('env_1', 'orders', { type: 'event.delivered' })).toBe(1)
		expect(closed).toEqual([1013])
		expect(fullConn.closed).toBe(true)
		expect(hub.broadcast('env_1', 'orders', { type: 'event.delivered' })).toBe(1)
	})
})
