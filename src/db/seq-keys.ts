import type { IdPrefix } from '../lib/ids'
import { IDS_IN_SQLITE, idsParam } from './id-list'

/**
 * SQLite tables keyed by `seq`, their INTEGER PRIMARY KEY: the leading 64 bits of the row's id
 * (its UUIDv7 milliseconds, version and counter), which the id spells in the 16 hex digits after
 * its prefix. Their repos mint ids in commit order (seq-placement.ts), so a new row is appended at
 * the table's right edge, and a lookup by id is a lookup of the seq it spells: no index on the
 * id is written per row. A row whose seq is not the one its id spells (two legacy ids with the
 * same leading 64 bits, an id hookstream did not mint) has its seq in the table's own-seqs table,
 * which is empty otherwise; an orphan row there (its row deleted) still gives that id's seq to a
 * cursor or a mark. Ids and seqs sort alike: the migrations gave rows seqs in id order and minted
 * ids spell theirs. Only a row written with an id of its own that spells none can sort apart;
 * statements bounded by ids test the id too. PostgreSQL keeps its unique indexes on the ids.
 * Events since migration 22 (events/seq-sql.ts), delivery attempts since migration 24.
 */

const BELOW_ALL = '-9223372036854775807'
/** Above every seq: SQLite's largest integer. */
const ABOVE_ALL = '9223372036854775807'

export interface SeqKeys {
	/** The ids' prefix, the seq-keyed table and its own-seqs table (id, seq). */
	readonly prefix: IdPrefix
	readonly table: string
	readonly ownSeqs: string
	/** The seq an id at `at` spells, or NULL for an ill-formed id. */
	spelledSeq(at: string): string
	/**
	 * The seq of the id at `at`: its own when it has one (the own-seqs table), else the one it spells;
	 * for a text that spells none (an empty first mark, a foreign id), below or above every seq as the
	 * text sorts below or above every id hookstream mints (`<prefix>_0…` for the next 500 years).
	 */
	seqOf(at: string): string
	/** `alias` is the row whose id is at `at`: a probe of the primary key, then the id itself. */
	seqIs(alias: string, at: string): string
	/**
	 * `alias` is one of the rows whose ids are bound as $1, a JSON array (db/id-list.ts), and the seqs
	 * they spell as $2 (`seqInParams`): worked out in JS, as SQLite spends ~1.7 µs an id on `seqOf`.
	 * An id with a seq of its own has it in the own-seqs table, probed only when that holds any (the
	 * EXISTS is evaluated once per statement).
	 */
	seqIn(alias: string): string
	/** The $1 and $2 of a `seqIn` statement: the ids (db/id-list.ts) and the seqs they spell. */
	seqInParams(ids: readonly string[]): [string, string]
	/** The seq an id spells, in JS; null for an ill-formed one (as `spelledSeq`). */
	seqOfId(id: string): bigint | null
}

/**
 * The SQL and JS of one seq-keyed `table`: ids are `prefix` + `_` + 32 lowercase hex, and rows
 * whose seq is not the one their id spells are listed in `ownSeqs` (id, seq).
 */
export function seqKeys(prefix: IdPrefix, table: string, ownSeqs: string): SeqKeys {
	const digitsAt = prefix.length + 2 // SQL's substr counts from 1
	/** A well-formed id whose leading digits fit a signed 64-bit seq: the first below 8. */
	const spells = `'${prefix}_[0-7]${'[0-9a-f]'.repeat(31)}'`
	const idPattern = new RegExp(`^${prefix}_[0-7][0-9a-f]{31}$`)
	/**
	 * The 16 hex digits after the prefix as an integer, digit by digit: SQLite reads hex in JSON5
	 * since 3.42 only, and Bun on macOS uses the system's SQLite. Exact, as the first digit is below 8.
	 */
	const hexValue = (at: string): string =>
		Array.from({ length: 16 }, (_, k) => `(instr('0123456789abcdef', substr(${at}, ${digitsAt + k}, 1)) - 1) * ${16n ** BigInt(15 - k)}`).join(' + ')
	const spelledSeq = (at: string): string => `CASE WHEN ${at} GLOB ${spells} THEN ${hexValue(at)} END`
	const seqOf = (at: string): string =>
		`COALESCE((SELECT seq FROM ${ownSeqs} WHERE id = ${at}), ${spelledSeq(at)}, CASE WHEN ${at} < '${prefix}_0' THEN ${BELOW_ALL} ELSE ${ABOVE_ALL} END)`
	/** The $2 of a `seqIn` statement: a JSON array of integers (ids that spell none are left out). */
	const seqsParam = (ids: readonly string[]): string => {
		let out = ''
		for (const id of ids) if (idPattern.test(id)) out += `${out === '' ? '' : ','}${decimalOfHex16(id.slice(prefix.length + 1, prefix.length + 17))}`
		return `[${out}]`
	}
	return {
		prefix,
		table,
		ownSeqs,
		spelledSeq,
		seqOf,
		seqIs: (alias, at) => `${alias}.seq = ${seqOf(at)} AND ${alias}.id = ${at}`,
		seqIn: (alias) =>
			`${alias}.seq IN (SELECT value FROM json_each($2) UNION ALL SELECT seq FROM ${ownSeqs} WHERE EXISTS (SELECT 1 FROM ${ownSeqs}) AND id ${IDS_IN_SQLITE})
	AND ${alias}.id ${IDS_IN_SQLITE}`,
		seqInParams: (ids) => [idsParam(ids), seqsParam(ids)],
		seqOfId: (id) => (idPattern.test(id) ? BigInt(`0x${id.slice(prefix.length + 1, prefix.length + 17)}`) : null)
	}
}

/**
 * hi·2³² + lo in decimal, exactly, for a first digit below 8 (hi < 2³¹): 2³² = 4294·10⁶ + 967296,
 * so the value is (hi·4294 + carry)·10⁶ + the low six digits, every part below 2⁵³. No BigInt
 * per id: ~60 ns an id, not 250.
 */
function decimalOfHex16(hex: string): string {
	const hi = Number.parseInt(hex.slice(0, 8), 16)
	const lo = Number.parseInt(hex.slice(8), 16)
	const low = hi * 967296 + lo
	const top = hi * 4294 + Math.floor(low / 1e6)
	const six = String(low % 1e6)
	return top === 0 ? six : `${top}${six.padStart(6, '0')}`
}
