import { SQLiteError } from 'bun:sqlite'
import { Conflict } from '../lib/errors'

/** Turns a unique-constraint violation into the API's 409 (other errors pass through). */
export function rethrowAsConflict(err: unknown, message: string, path: string): never {
	if (err instanceof SQLiteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE') throw new Conflict(message, path)
	throw err
}
