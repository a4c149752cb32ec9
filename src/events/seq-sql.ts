import { seqKeys } from '../db/seq-keys'

/**
 * SQLite's events are keyed by `seq`, the seq their id spells (migration 22; db/seq-keys.ts says
 * how), with `event_seqs` for the ids whose seq is another. The events repo mints ids in commit
 * order (events/placement.ts). PostgreSQL keeps its unique index on events.id and has none of this.
 */
export const EVENT_SEQS = seqKeys('evt', 'events', 'event_seqs')
export const { spelledSeq, seqIs, seqIn, seqInParams, seqOfId } = EVENT_SEQS
