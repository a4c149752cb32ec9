import { IDS_IN_SQLITE, idsParam } from '../db/id-list'

/**
 * SQLite's events are keyed by `seq`, their INTEGER PRIMARY KEY (migration 22): the leading 64
 * bits of the event id (its UUIDv7 milliseconds, version and counter), which the id spells in
 * its first 16 hex digits. The events repo mints ids in commit order (events/placement.ts), so
 * a new row is appended at the table's right edge, and a lookup by id is a lookup of the seq it
 * spells: no index on the 36-character id is written per event. An event whose seq is not the
 * one its id spells (two legacy ids with the same leading 64 bits, an id hookstream did not
 * mint) has its seq in `event_seqs`, which is empty otherwise; an orphan row there (its event
 * deleted) still gives that id's seq to a cursor or a mark. Ids and seqs sort alike: the
 * migration gave rows seqs in id order and minted ids spell theirs. Only a row written with an
 * id of its own that spells none can sort apart; statements bounded by ids test the id too.
 * PostgreSQL keeps its unique index on events.id and has none of this.
 */

/** A well-formed event id whose leading digits fit a signed 64-bit seq: `evt_` + 32 lowercase hex, the first below 8. */
const SPELLS_SEQ = `'evt_[0-7]${'[0-9a-f]'.repeat(31)}'`

/**
 * The 16 hex digits after `evt_` at `at` as an integer, digit by digit: SQLite reads hex in JSON5
 * since 3.42 only, and Bun on macOS uses the system's SQLite. Exact, as the first digit is below 8.
 */
const hexValue = (at: string): string =>
	Array.from({ length: 16 }, (_, k) => `(instr('0123456789abcdef', substr(${at}, ${5 + k}, 1)) - 1) * ${16n ** BigInt(15 - k)}`).join(' + ')

/** The seq an event id at `at` spells, or NULL for an ill-formed id. */
export const spelledSeq = (at: string): string => `CASE WHEN ${at} GLOB ${SPELLS_SEQ} THEN ${hexValue(at)} END`

const BELOW_ALL = '-9223372036854775807'
/** Above every seq (and every rowid): SQLite's largest integer. */
export const ABOVE_ALL = '9223372036854775807'

/**
 * The seq of the event id at `at`: its own when it has one (`event_seqs`), else the one it spells;
 * for a text that spells none (the rollup's empty first mark, a foreign id), below or above every
 * seq as the text sorts below or above every id hookstream mints (`evt_0…` for the next 500 years).
 */
export const seqOf = (at: string): string =>
	`COALESCE((SELECT seq FROM event_seqs WHERE id = ${at}), ${spelledSeq(at)}, CASE WHEN ${at} < 'evt_0' THEN ${BELOW_ALL} ELSE ${ABOVE_ALL} END)`

/** `alias` (events) is the event whose id is at `at`: a probe of the primary key, then the id itself. */
export const seqIs = (alias: string, at: string): string => `${alias}.seq = ${seqOf(at)} AND ${alias}.id = ${at}`

/**
 * `alias` (events) is one of the events whose ids are bound as $1, a JSON array (db/id-list.ts),
 * and the seqs they spell as $2 (`seqInParams`): worked out in JS, as SQLite spends ~1.7 µs an id on
 * `seqOf` and the delivery worker reads its payloads this way. An id with a seq of its own has it
 * in event_seqs, probed only when that holds any (the EXISTS is evaluated once per statement).
 */
export const seqIn = (alias: string): string =>
	`${alias}.seq IN (SELECT value FROM json_each($2) UNION ALL SELECT seq FROM event_seqs WHERE EXISTS (SELECT 1 FROM event_seqs) AND id ${IDS_IN_SQLITE})
	AND ${alias}.id ${IDS_IN_SQLITE}`

/** The $1 and $2 of a `seqIn` statement: the ids (db/id-list.ts) and the seqs they spell (`seqsParam`). */
export const seqInParams = (ids: readonly string[]): [string, string] => [idsParam(ids), seqsParam(ids)]

/**
 * The $2 of a `seqIn` statement: the seqs `ids` spell, a JSON array of integers (ids that spell
 * none are left out). In decimal from two 32-bit halves, no BigInt per id: ~60 ns an id, not 250.
 */
function seqsParam(ids: readonly string[]): string {
	let out = ''
	for (const id of ids) if (SEQ_ID.test(id)) out += `${out === '' ? '' : ','}${decimalOfHex16(id.slice(4, 20))}`
	return `[${out}]`
}

/**
 * hi·2³² + lo in decimal, exactly, for a first digit below 8 (hi < 2³¹): 2³² = 4294·10⁶ + 967296,
 * so the value is (hi·4294 + carry)·10⁶ + the low six digits, every part below 2⁵³.
 */
function decimalOfHex16(hex: string): string {
	const hi = Number.parseInt(hex.slice(0, 8), 16)
	const lo = Number.parseInt(hex.slice(8), 16)
	const low = hi * 967296 + lo
	const top = hi * 4294 + Math.floor(low / 1e6)
	const six = String(low % 1e6)
	return top === 0 ? six : `${top}${six.padStart(6, '0')}`
}

/** An id that spells a seq, as SPELLS_SEQ in SQL. */
const SEQ_ID = /^evt_[0-7][0-9a-f]{31}$/

/** The seq an id spells, in JS; null for an ill-formed one (as spelledSeq). */
export function seqOfId(id: string): bigint | null {
	return SEQ_ID.test(id) ? BigInt(`0x${id.slice(4, 20)}`) : null
}
