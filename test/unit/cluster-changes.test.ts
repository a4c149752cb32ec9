import { describe, expect, it } from 'bun:test'
import { createLocalBus } from '../../src/cluster/bus'
import { type ChangeFeeds, shareChanges } from '../../src/cluster/changes'
import { silentLogger } from '../../src/lib/log'
import type { PurgedEnvironment } from '../../src/tenancy/repo'
import { MemoryNetwork } from '../support/memory-bus'
import { until } from '../support/poll'

/** The services' feeds as the services keep them: listeners, and what a write tells them. */
function feeds() {
	const make = () => {
		const ls: ((id: string) => void)[] = []
		return { onChange: (l: (id: string) => void) => void ls.push(l), emit: (id: string) => ls.forEach((l) => l(id)) }
	}
	const purged: ((p: PurgedEnvironment) => void)[] = []
	const f = { sources: make(), connections: make(), destinations: make(), testSessions: make(), environments: { onPurge: (l: (p: PurgedEnvironment) => void) => void purged.push(l), emit: (p: PurgedEnvironment) => purged.forEach((l) => l(p)) } }
	return f satisfies ChangeFeeds
}

/** Everything one instance's listeners heard, in order. */
function record(shared: ReturnType<typeof shareChanges>) {
	const heard: string[] = []
	shared.sources.onChange((id) => heard.push(`source ${id}`))
	shared.connections.onChange((id) => heard.push(`connections ${id}`))
	shared.destinations.onChange((id) => heard.push(`destination ${id}`))
	shared.testSessions.onChange((id) => heard.push(`session ${id}`))
	shared.environments.onPurge((p) => heard.push(`purge ${p.sourceIds.join(',')} / ${p.destinationIds.join(',')}`))
	shared.onResync(() => heard.push('resync'))
	return heard
}

describe('shared change feeds', () => {
	it('a write on one instance reaches the same listeners on the other, one message per turn, duplicates folded', async () => {
		const net = new MemoryNetwork()
		const [busA, busB] = [net.bus(), net.bus()]
		const [fa, fb] = [feeds(), feeds()]
		const atA = record(shareChanges(busA, fa, silentLogger))
		const atB = record(shareChanges(busB, fb, silentLogger))
		let messages = 0
		busB.subscribe('changes', () => messages++)
		fa.sources.emit('src_1')
		fa.sources.emit('src_1')
		fa.connections.emit('src_1')
		fa.destinations.emit('dst_1')
		fa.testSessions.emit('src_2')
		expect(atA).toEqual(['source src_1', 'source src_1', 'connections src_1', 'destination dst_1', 'session src_2']) // at once, as before
		await until(() => atB.length === 4)
		expect(atB).toEqual(['source src_1', 'connections src_1', 'destination dst_1', 'session src_2'])
		expect(messages).toBe(1)
		// Nothing echoes back to A.
		fb.destinations.emit('dst_2')
		await until(() => atA.includes('destination dst_2'))
		expect(atA.length).toBe(6)
		expect(atB.length).toBe(5)
	})

	it('an environment purge too large for one notification arrives in parts, each a purge of its own ids', async () => {
		const net = new MemoryNetwork()
		const [fa, fb] = [feeds(), feeds()]
		shareChanges(net.bus(), fa, silentLogger)
		const atB = record(shareChanges(net.bus(), fb, silentLogger))
		const sourceIds = Array.from({ length: 300 }, (_, i) => `src_${i.toString(16).padStart(32, '0')}`)
		const destinationIds = Array.from({ length: 10 }, (_, i) => `dst_${i.toString(16).padStart(32, '0')}`)
		fa.environments.emit({ sourceIds, destinationIds })
		const got = () => atB.flatMap((line) => line.replace('purge ', '').split(/ \/ |,/).filter(Boolean))
		await until(() => got().length === 310)
		expect(atB.length).toBeGreaterThan(1)
		expect(got()).toEqual([...sourceIds, ...destinationIds])
	})

	it('a reconnect of the listen connection asks for a resync; on the single-instance bus nothing is sent and no resync ever comes', async () => {
		const net = new MemoryNetwork()
		const bus = net.bus()
		const atB = record(shareChanges(bus, feeds(), silentLogger))
		bus.cut()
		bus.restore()
		expect(atB).toEqual(['resync'])
		const f = feeds()
		const local = createLocalBus()
		let published = 0
		local.publish = async () => void published++
		const heard = record(shareChanges(local, f, silentLogger))
		f.sources.emit('src_1')
		await Bun.sleep(5)
		expect(heard).toEqual(['source src_1'])
		expect(published).toBe(0)
	})
})
