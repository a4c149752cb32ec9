import type { Database, SQLQueryBindings, Statement } from 'bun:sqlite'
import type { Seek } from '../lib/pagination'

/**
 * Repos write portable `$1, $2…` placeholders (PostgreSQL's spelling). SQLite
 * reads `$1` as a *named* parameter whose index follows first appearance, so it
 * is rewritten to the explicitly numbered `?1` before preparing.
 */
export function prepare<Row = unknown, Params extends SQLQueryBindings[] = SQLQueryBindings[]>(
	db: Database,
	text: string
): Statement<Row, Params> {
	// db.query caches the compiled statement by text, so dynamic list queries are prepared once per shape.
	return db.query<Row, Params>(text.replace(/\$(\d+)/g, '?$1')) as unknown as Statement<Row, Params>
}

export type SqlValue = string | number

/** One filter of a list query: its SQL with `?` for the value; left out when the value is absent. */
export type Condition = readonly [sql: string, value: SqlValue | null | undefined | false]

export interface Where {
	/** The conditions joined with AND ('1 = 1' when there are none). */
	sql: string
	params: SqlValue[]
	/** Adds a value outside the WHERE (LIMIT, OFFSET) and returns its placeholder. */
	bind(value: SqlValue): string
}

/**
 * The WHERE of every list query. Each condition whose value is present gets the
 * next `$n` for all of its `?`s; values are never spliced into the SQL text.
 */
export function whereOf(conditions: readonly Condition[]): Where {
	const params: SqlValue[] = []
	const bind = (value: SqlValue) => `$${params.push(value)}`
	const clauses: string[] = []
	for (const [sql, value] of conditions) {
		if (value === undefined || value === null || value === false || value === '') continue
		const at = bind(value)
		clauses.push(sql.replaceAll('?', at))
	}
	return { sql: clauses.length > 0 ? clauses.join(' AND ') : '1 = 1', params, bind }
}

/** The keyset condition and ORDER BY for `column` (ids sort by creation time). */
export function seekOf(column: string, seek: Seek): { condition: Condition; orderBy: string } {
	return seekBy(column, (op) => `${column} ${op} ?`, seek)
}

/** The same for an order whose bound on a cursor id is its own SQL (e.g. a rowid resolved from the id). */
export function seekBy(column: string, bound: (op: '<' | '>') => string, seek: Seek): { condition: Condition; orderBy: string } {
	const fetchAsc = (seek.order === 'asc') !== seek.back
	return { condition: [bound(fetchAsc ? '>' : '<'), seek.id], orderBy: `${column} ${fetchAsc ? 'ASC' : 'DESC'}` }
}

/**
 * `($1, $2), ($3, $4), …` for `n` rows of `width` columns (placeholders from `$first`), for
 * multi-row `VALUES` on either engine. `casts[i]` (e.g. 'bigint') types column i where
 * PostgreSQL cannot infer it (VALUES outside an INSERT); INSERT … VALUES takes its types from
 * the target columns.
 */
export function valuesList(n: number, width: number, casts: readonly (string | null)[] = [], first = 1): string {
	const rows: string[] = []
	for (let r = 0; r < n; r++) {
		const cells: string[] = []
		for (let c = 0; c < width; c++) {
			const cast = casts[c]
			cells.push(`$${first + r * width + c}${cast ? `::${cast}` : ''}`)
		}
		rows.push(`(${cells.join(', ')})`)
	}
	return rows.join(', ')
}
