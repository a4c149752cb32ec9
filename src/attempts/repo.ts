import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
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

function whereOf(f: AttemptFilter): { sql: string; params: (string | number)[] } {
	const clauses = ['a.env_id = $1']
	const params: (string | number)[] = [f.envId]
	const add = (sql: string, value: string | number) => {
		params.push(value)
		clauses.push(sql.replace('?', `$${params.length}`))
	}
	if (f.eventId) add('a.event_id = ?', f.eventId)
	if (f.connectionId) add('a.connection_id = ?', f.connectionId)
	if (f.destinationId) add('a.destination_id = ?', f.destinationId)
	if (f.status) add('a.status = ?', f.status)
	if (f.dlqOnly) add('a.is_dlq = ?', 1)
	return { sql: clauses.join(' AND '), params }
}

export type AttemptsRepo = ReturnType<typeof createAttemptsRepo>

/** Reads of the attempt history (the delivery repo writes it). */
export function createAttemptsRepo(db: Database) {
	const byId = prepare<AttemptListRow, [string]>(db, `${SELECT} WHERE a.id = $1`)
	const dlqOfEvent = prepare<{ id: string; delivery_id: string }, [string]>(db, "SELECT a.id, a.delivery_id FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE a.event_id = $1 AND a.is_dlq = 1 AND d.state = 'dead' ORDER BY a.id")
	return {
		async list(f: AttemptFilter, page: { beforeId?: string | undefined; limit: number; offset: number }): Promise<AttemptListRow[]> {
			const { sql: where, params } = whereOf(f)
			const sql = page.beforeId ? `${where} AND a.id < $${params.push(page.beforeId)}` : where
			const limitAt = params.push(page.limit)
			const offsetAt = params.push(page.offset)
			return prepare<AttemptListRow, (string | number)[]>(db, `${SELECT} WHERE ${sql} ORDER BY a.id DESC LIMIT $${limitAt} OFFSET $${offsetAt}`).all(...params)
		},
		async count(f: AttemptFilter): Promise<number> {
			const { sql, params } = whereOf(f)
			return prepare<{ n: number }, (string | number)[]>(db, `SELECT COUNT(*) AS n FROM delivery_attempts a WHERE ${sql}`).get(...params)?.n ?? 0
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
