import { Database } from 'bun:sqlite'
import { ConfigError } from '../lib/errors'
import { isBusy, privateFile } from './open'

/** The file whose lock marks a data dir in use by a server. */
export const SERVE_LOCK_FILE = 'serve.lock'

export interface ServeLock {
	release(): void
}

/**
 * One `hookstream serve` per SQLite data dir. On SQLite the server is the only instance:
 * its delivery worker owns every destination in memory (SOLE_INSTANCE), so a second server
 * on the same files would send each delivery twice. Several instances need PostgreSQL.
 *
 * The lock is SQLite's own lock on a small file beside the database, held by an exclusive
 * transaction that stays open while the server runs (locking_mode EXCLUSIVE). The operating
 * system drops it when the process ends, kill -9 included, so a crash leaves nothing to clean
 * up. CLI one-shots (keys, migrate) do not take it: they run next to a server, as before.
 */
export function lockDataDir(dataDir: string): ServeLock {
	const lockDb = new Database(privateFile(dataDir, SERVE_LOCK_FILE))
	try {
		lockDb.run('PRAGMA busy_timeout = 0')
		lockDb.run('PRAGMA locking_mode = EXCLUSIVE')
		lockDb.run('BEGIN EXCLUSIVE')
	} catch (err) {
		lockDb.close()
		if (!isBusy(err)) throw err
		throw new ConfigError(`another hookstream server is running on the data dir ${dataDir}: one server per SQLite data dir (stop it first; several instances need PostgreSQL, --database-url)`)
	}
	return {
		release() {
			lockDb.run('ROLLBACK')
			lockDb.close()
		}
	}
}
