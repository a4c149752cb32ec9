import { describe, expect, it } from 'bun:test'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { eventDeletions } from '../../src/db/event-deletions'
import { openSqliteStore } from '../../src/store'
import { tempDir } from '../helpers'

/**
 * The delivery worker drops the payloads it read ahead whenever events are deleted
 * (src/delivery/payloads-ahead.ts): every delete of events on SQLite must be counted.
 */
describe('event deletions are counted', () => {
	it('every SQL text that deletes events is one of the known, counted paths', () => {
		const src = join(import.meta.dir, '..', '..', 'src')
		const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'))
		const deleting = files.filter((f) => /DELETE FROM events\b(?!_)/i.test(readFileSync(join(src, f), 'utf8'))).sort()
		// A new one: count it (countEventDeletion) in its SQLite repo, then list it here.
		expect(deleting).toEqual(['events/repo-pg.ts', 'events/repo.ts', 'sessions/repo-sql.ts', 'tenancy/repo-sql.ts'])
	})

	it('retention, an environment purge and a test session delete each move the count', async () => {
		const dir = tempDir('hookstream-deletions-')
		const store = openSqliteStore({ dataDir: dir, synchronous: 'NORMAL', migrate: true })
		try {
			if (store.backend.kind !== 'sqlite') throw new Error('sqlite store expected')
			const { db } = store.backend
			const at = () => eventDeletions(db)
			const start = at()
			await store.tenancy.purgeEnvironment('env_none')
			expect(at()).toBe(start + 1)
			await store.sessions.delete('src_none')
			expect(at()).toBe(start + 2)
			// Retention counts only a batch that deleted something (tested with events in test/conformance/delivery-repo.test.ts).
			await store.events.purgeBefore('evt_0', 10)
			expect(at()).toBe(start + 2)
		} finally {
			await store.close()
			rmSync(dir, { recursive: true, force: true })
		}
	})
})
