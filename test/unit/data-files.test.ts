import { afterAll, describe, expect, it } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { resolveConfig } from '../../src/config'
import { createContext } from '../../src/context'
import { DB_FILE } from '../../src/db/open'
import { KEY_FILE } from '../../src/lib/keyfile'
import { tempDir } from '../helpers'
import { BACKEND } from '../support/pg'

const root = tempDir()
afterAll(() => rmSync(root, { recursive: true, force: true }))

const modeOf = (path: string) => statSync(path).mode & 0o777

async function openAndWrite(dataDir: string): Promise<void> {
	const ctx = await createContext(resolveConfig({ 'data-dir': dataDir, 'log-level': 'silent' }, {}))
	// A write so the WAL and shared-memory files exist while the handle is open.
	await ctx.keys.createKey('mode-check')
	expect(existsSync(join(dataDir, `${DB_FILE}-wal`))).toBe(true)
	expect(existsSync(join(dataDir, `${DB_FILE}-shm`))).toBe(true)
	for (const file of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, KEY_FILE]) {
		expect({ file, mode: modeOf(join(dataDir, file)).toString(8) }).toEqual({ file, mode: '600' })
	}
	await ctx.close()
}

// About SQLite's own files in the data dir (database, WAL, shared memory): nothing of the kind on PostgreSQL.
describe.skipIf(BACKEND === 'postgres')('data files are private to the owner', () => {
	it('creates the data dir 0700 and the database, WAL, shared memory and key files 0600 under a permissive umask', async () => {
		const previous = process.umask(0o002)
		try {
			const dataDir = join(root, 'fresh', 'nested')
			await openAndWrite(dataDir)
			expect(modeOf(dataDir).toString(8)).toBe('700')
		} finally {
			process.umask(previous)
		}
	})

	it('tightens a database file an older version left world-readable', async () => {
		const dataDir = join(root, 'old')
		mkdirSync(dataDir, { recursive: true })
		writeFileSync(join(dataDir, DB_FILE), '')
		chmodSync(join(dataDir, DB_FILE), 0o644)
		await openAndWrite(dataDir)
	})
})
