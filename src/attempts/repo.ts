import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue } from '../db/sql'
import type { Seek } from '../lib/pagination'
import type { AttemptRow } from '../delivery/repo'
import { ATTEMPTS_BY_SEQ, BY_ID_SQLITE, BY_IDS_SQLITE, countQuery, DLQ_OF_EVENT, listQuery } from './repo-sql'
import { ATTEMPT_SEQS } from './seq-sql'

export type AttemptListRow = AttemptRow & { connection_name: string | null; destination_name: string | null }

export interface AttemptFilter {
	envId: string
	eventId?: string | undefined
	connectionId?: string | undefined
	destinationId?: string | undefined
	status?: string | undefined
	dlqOnly?: boolean | undefined
}

export type AttemptsRepo = ReturnType<typeof createAttemptsRepo>

/** Reads of the attempt history (the delivery repo writes it), by the seq each id spells (seq-sql.ts). */
export function createAttemptsRepo(db: Database) {
	const byId = prepare<AttemptListRow, [string]>(db, BY_ID_SQLITE)
	const inList = prepare<AttemptListRow, [string, string]>(db, BY_IDS_SQLITE)
	const dlqOfEvent = prepare<{ id: string; delivery_id: string }, [string]>(db, DLQ_OF_EVENT)
	return {
		/** `limit` rows from the seek point in its fetch order, after skipping `offset`. */
		async list(f: AttemptFilter, seek: Seek, page: { limit: number; offset: number }): Promise<AttemptListRow[]> {
			const q = listQuery(ATTEMPTS_BY_SEQ, f, seek, page)
			return prepare<AttemptListRow, SqlValue[]>(db, q.text).all(...q.params)
		},
		async count(f: AttemptFilter): Promise<number> {
			const q = countQuery(f)
			return prepare<{ n: number }, SqlValue[]>(db, q.text).get(...q.params)?.n ?? 0
		},
		async findById(id: string): Promise<AttemptListRow | null> {
			return byId.get(id)
		},
		/** The attempts among `ids` that exist, in no particular order: one query. */
		async findByIds(ids: readonly string[]): Promise<AttemptListRow[]> {
			return ids.length === 0 ? [] : inList.all(...ATTEMPT_SEQS.seqInParams(ids))
		},
		/** The DLQ attempts of an event whose deliveries are still dead (what an event retry requeues). */
		async deadOfEvent(eventId: string): Promise<{ id: string; delivery_id: string }[]> {
			return dlqOfEvent.all(eventId)
		}
	}
}
