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
	const fetchAsc = (seek.order === 'asc') !== seek.back
	return { condition: [`${column} ${fetchAsc ? '>' : '<'} ?`, seek.id], orderBy: `${column} ${fetchAsc ? 'ASC' : 'DESC'}` }
}
