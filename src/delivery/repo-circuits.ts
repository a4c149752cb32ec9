import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import type { Circuit } from './breaker'

/**
 * The breaker columns of `destinations`: the only SQL that reads or writes them
 * after a destination is created (an attempt's transaction writes through `write` too).
 */
export function circuitStatements(db: Database) {
	const read = prepare<Circuit, [string]>(
		db,
		`SELECT circuit_state AS state, circuit_failure_count AS failure_count, circuit_opened_at AS opened_at,
		 circuit_next_probe_at AS next_probe_at, circuit_last_transition_at AS last_transition_at FROM destinations WHERE id = $1`
	)
	const update = prepare(
		db,
		`UPDATE destinations SET circuit_state = $2, circuit_failure_count = $3, circuit_opened_at = $4,
		 circuit_next_probe_at = $5, circuit_last_transition_at = $6 WHERE id = $1`
	)
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
