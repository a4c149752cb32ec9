import { SQL } from 'bun'

/**
 * True for errors that mean "this pooled connection is gone", not "this statement is wrong":
 * Bun.SQL's own connection errors, SQLSTATE class 08 (connection exception) and 57P01–57P03
 * (the server terminated the backend or is shutting down). After all pooled backends die
 * while the event loop is busy, the next queries fail this way once, then the pool recovers
 * (research/postgres.md §1.1, reproduced on Bun 1.4.x).
 */
export function isConnectionError(err: unknown): boolean {
	if (!(err instanceof Error)) return false
	const { code, errno } = err as { code?: unknown; errno?: unknown }
	if (typeof code === 'string' && code.startsWith('ERR_POSTGRES_CONNECTION')) return true
	if (!(err instanceof SQL.PostgresError) || typeof errno !== 'string') return false
	// 08P01 (protocol violation) is in class 08 but says the message was wrong, not the connection.
	return (errno.startsWith('08') && errno !== '08P01') || errno === '57P01' || errno === '57P02' || errno === '57P03'
}

/** Runs an idempotent read; on a connection error runs it once more on a fresh connection. */
export async function retryRead<T>(read: () => Promise<T>): Promise<T> {
	try {
		return await read()
	} catch (err) {
		if (!isConnectionError(err)) throw err
		return read()
	}
}
