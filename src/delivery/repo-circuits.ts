import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import type { Circuit } from './breaker'
import { CIRCUIT_READ, CIRCUIT_WRITE } from './repo-sql'

/**
 * The breaker columns of `destinations`: the only SQL that reads or writes them
 * after a destination is created (an attempt's transaction writes through `write` too).
 */
export function circuitStatements(db: Database) {
	const read = prepare<Circuit, [string]>(db, CIRCUIT_READ)
	const update = prepare(db, CIRCUIT_WRITE)
	/** Synchronous: usable inside a transaction. True when the destination exists. */
	const write = (destinationId: string, c: Circuit): boolean =>
		update.run(destinationId, c.state, c.failure_count, c.opened_at, c.next_probe_at, c.last_transition_at).changes > 0
	return {
		write,
		repo: {
			/** Null when the destination does not exist. */
			async getCircuit(destinationId: string): Promise<Circuit | null> {
				return read.get(destinationId)
			},
			/** False when the destination does not exist (e.g. deleted mid-delivery). */
			async setCircuit(destinationId: string, c: Circuit): Promise<boolean> {
				return write(destinationId, c)
			}
		}
	}
}
