import { SQL } from 'bun'

/**
 * A failure of the connection rather than of the statement: the pool lost it,
 * or the server ended the backend (SQLSTATE class 08, 57P01–57P03). Bun's pool
 * recovers on the next query (research/postgres.md §1.1), so an idempotent
 * statement can simply be sent again.
 */
export function isPgConnectionError(err: unknown): boolean {
	if (!(err instanceof SQL.PostgresError)) return false
	return err.code.includes('CONNECTION') || /^(08|57P0)/.test(err.errno ?? '')
}

/** Runs an idempotent read or claim, once more when the first try lost its connection. */
export async function retryOnce<T>(fn: () => Promise<T>): Promise<T> {
	try {
		return await fn()
	} catch (err) {
		if (!isPgConnectionError(err)) throw err
		return fn()
	}
}
