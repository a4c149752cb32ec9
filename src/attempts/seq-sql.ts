import { seqKeys } from '../db/seq-keys'

/**
 * SQLite's delivery attempts are keyed by `seq`, the seq their id spells (migration 24; db/seq-keys.ts
 * says how), with `attempt_seqs` for the ids whose seq is another. The delivery repo mints each
 * attempt's id as it records the row (delivery/repo-record.ts). PostgreSQL keeps its unique index
 * on delivery_attempts.id and has none of this.
 */
export const ATTEMPT_SEQS = seqKeys('da', 'delivery_attempts', 'attempt_seqs')
