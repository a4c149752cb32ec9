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
	if (typeof code === 'string' && (code.startsWith('ERR_POSTGRES_CONNECTION') || code === 'ERR_POSTGRES_IDLE_TIMEOUT')) return true
	if (!(err instanceof SQL.PostgresError) || typeof errno !== 'string') return false
	// 08P01 (protocol violation) is in class 08 but says the message was wrong, not the connection.
	return (errno.startsWith('08') && errno !== '08P01') || errno === '57P01' || errno === '57P02' || errno === '57P03'
}

/** Pauses before each retry: a pool whose backends all died hands out several dead ones in a row. */
const RETRY_PAUSES_MS = [20, 100]

/**
 * Runs an idempotent read; on a connection error runs it again after a short pause, up to
 * twice more (measured: with a whole pool of killed backends, one immediate retry could
 * still draw a dead connection; after a 20 ms pause one retry was enough in every run).
 */
export async function retryRead<T>(read: () => Promise<T>): Promise<T> {
	for (let attempt = 0; ; attempt++) {
		try {
			return await read()
		} catch (err) {
			const pause = RETRY_PAUSES_MS[attempt]
			if (pause === undefined || !isConnectionError(err)) throw err
			await Bun.sleep(pause)
		}
	}
}

/** Deadlock and serialization failure: PostgreSQL rolled the transaction back, so it may run again. */
const ABORTED_STATES = new Set(['40P01', '40001'])

export function isRetryableAbort(err: unknown): boolean {
	return err instanceof SQL.PostgresError && ABORTED_STATES.has(String((err as { errno?: unknown }).errno))
}

/**
 * Runs a whole transaction again when PostgreSQL aborted it as a deadlock victim (two
 * transactions taking rows in opposite orders, e.g. an environment purge against a delivery
 * outcome). Only those aborts: after a lost connection the COMMIT may have happened.
 */
export async function retryTransaction<T>(tx: () => Promise<T>): Promise<T> {
	for (let attempt = 0; ; attempt++) {
		try {
			return await tx()
		} catch (err) {
			const pause = RETRY_PAUSES_MS[attempt]
			if (pause === undefined || !isRetryableAbort(err)) throw err
			await Bun.sleep(pause * (1 + Math.random()))
		}
	}
}
