import { SQLiteError } from 'bun:sqlite'
import { Conflict } from '../lib/errors'
import { isPgUniqueViolation } from './pg/client'

/** True for a unique-constraint violation on either engine. */
export function isUniqueViolation(err: unknown): boolean {
	return (err instanceof SQLiteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE') || isPgUniqueViolation(err)
}

/** Turns a unique-constraint violation into the API's 409 (other errors pass through). */
export function rethrowAsConflict(err: unknown, message: string, path: string): never {
	if (isUniqueViolation(err)) throw new Conflict(message, path)
	throw err
}
