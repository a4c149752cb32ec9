import { describe, expect, it } from 'bun:test'
import type { AttemptListRow } from '../../src/attempts/repo'
import { ATTEMPTS_TOPIC, LiveRelay } from '../../src/cluster/live-relay'
import type { AttemptOutcome } from '../../src/delivery/repo'
import type { IssueListRow } from '../../src/issues/repo'
import { systemClock } from '../../src/lib/clock'
import { silentLogger } from '../../src/lib/log'
import { MemoryNetwork } from '../support/memory-bus'
import { until } from '../support/poll'

/** Rows by id, as a repo holds them; `calls` records each findByIds read. */
function rows<R extends { id: string }>(list: R[]) {
	const calls: string[][] = []
	const byId = new Map(list.map((r) => [r.id, r]))
	return { calls, findByIds: async (ids: readonly string[]) => (calls.push([...ids]), ids.flatMap((id) => byId.get(id) ?? [])) }
}

const attempt = (id: string) => ({ id, env_id: 'env_1', status: 'failed', connection_name: 'conn', destination_name: 'dst' }) as unknown as AttemptListRow
const issue = (id: string) => ({ id, error_type: 'timeout', message: `${id} timed out` }) as unknown as IssueListRow

describe('live relay: attempts recorded on another instance', () => {
	it('reads the attempts and the issues of a message with one query each, and feeds the hub in the message’s order', async () => {
		const net = new MemoryNetwork()
		const sender = net.bus()
		const fed: AttemptOutcome[] = []
		const hub = { watching: (envId: string) => envId === 'env_1', attemptRecorded: (o: AttemptOutcome) => void fed.push(o) }
		const attempts = rows([attempt('da_3'), attempt('da_1'), attempt('da_2')])
		const issues = rows([issue('iss_2'), issue('iss_1')])
		const relay = new LiveRelay({ bus: net.bus(), hub: hub as never, live: {} as never, attempts, issues, clock: systemClock, log: silentLogger })
		await sender.publish(ATTEMPTS_TOPIC, [
			['env_1', 'da_3', 'iss_1', 'iss_none'],
			['env_1', 'da_none', 'iss_2'], // not stored (any more): nothing to feed
			['env_unwatched', 'da_2'],
			['env_1', 'da_1'],
			['env_1', 'da_2', 'iss_2', 'iss_1'],
			'not an item'
		])
		await until(() => fed.length >= 3, 'three attempts fed to the hub')
		await relay.idle()
		expect(fed.map((o) => [o.attempt.id, ...o.issues.map((i) => i.id)])).toEqual([['da_3', 'iss_1'], ['da_1'], ['da_2', 'iss_2', 'iss_1']])
		expect(fed[0]).toEqual({ attempt: { id: 'da_3', env_id: 'env_1', status: 'failed' }, issues: [{ id: 'iss_1', errorType: 'timeout', message: 'iss_1 timed out' }] } as never)
		expect(attempts.calls).toEqual([['da_3', 'da_none', 'da_1', 'da_2']])
		expect(issues.calls).toEqual([['iss_1', 'iss_none', 'iss_2', 'iss_2', 'iss_1']])
	})
})
