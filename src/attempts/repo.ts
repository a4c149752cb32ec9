import type { Database } from 'bun:sqlite'
import { type Condition, prepare, seekOf, type SqlValue, whereOf } from '../db/sql'
import type { Seek } from '../lib/pagination'
import type { AttemptRow } from '../delivery/repo'

export type AttemptListRow = AttemptRow & { connection_name: string | null; destination_name: string | null }

export interface AttemptFilter {
	envId: string
	eventId?: string | undefined
	connectionId?: string | undefined
	destinationId?: string | undefined
	status?: string | undefined
	dlqOnly?: boolean | undefined
}

const SELECT = `SELECT a.*, c.name AS connection_name, d.name AS destination_name FROM delivery_attempts a
	LEFT JOIN connections c ON c.id = a.connection_id LEFT JOIN destinations d ON d.id = a.destination_id`

function conditionsOf(f: AttemptFilter): Condition[] {
	return [
		['a.env_id = ?', f.envId],
		['a.event_id = ?', f.eventId],
		['a.connection_id = ?', f.connectionId],
		['a.destination_id = ?', f.destinationId],
		['a.status = ?', f.status],
		['a.is_dlq = ?', f.dlqOnly ? 1 : undefined]
	]
}

export type AttemptsRepo = ReturnType<typeof createAttemptsRepo>

/** Reads of the attempt history (the delivery repo writes it). */
export function createAttemptsRepo(db: Database) {
	const byId = prepare<AttemptListRow, [string]>(db, `${SELECT} WHERE a.id = $1`)
	const dlqOfEvent = prepare<{ id: string; delivery_id: string }, [string]>(db, "SELECT a.id, a.delivery_id FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE a.event_id = $1 AND a.is_dlq = 1 AND d.state = 'dead' ORDER BY a.id")
	return {
		/** `limit` rows from the seek point in its fetch order, after skipping `offset`. */
		async list(f: AttemptFilter, seek: Seek, page: { limit: number; offset: number }): Promise<AttemptListRow[]> {
			const { condition, orderBy } = seekOf('a.id', seek)
			const w = whereOf([...conditionsOf(f), condition])
			return prepare<AttemptListRow, SqlValue[]>(db, `${SELECT} WHERE ${w.sql} ORDER BY ${orderBy} LIMIT ${w.bind(page.limit)} OFFSET ${w.bind(page.offset)}`).all(...w.params)
		},
		async count(f: AttemptFilter): Promise<number> {
			const w = whereOf(conditionsOf(f))
			return prepare<{ n: number }, SqlValue[]>(db, `SELECT COUNT(*) AS n FROM delivery_attempts a WHERE ${w.sql}`).get(...w.params)?.n ?? 0
		},
		async findById(id: string): Promise<AttemptListRow | null> {
			return byId.get(id)
		},
		/** The DLQ attempts of an event whose deliveries are still dead (what an event retry requeues). */
		async deadOfEvent(eventId: string): Promise<{ id: string; delivery_id: string }[]> {
			return dlqOfEvent.all(eventId)
		}
	}
}
