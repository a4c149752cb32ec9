import { Database } from 'bun:sqlite'
import { migrate } from '../../src/db/migrate'
import { prepare } from '../../src/db/sql'

/** One statement to check: its SQL (with `$n` placeholders), parameters, and the index it must search. */
export interface PlanCase {
	name: string
	index: string
	sql: string
	params: (string | number | null)[]
	/** A page in an order (default): it must not sort. Counts, deletes and lookups may. */
	paged?: boolean
}

/** The table a family of statements reads: its aliases, and what a good search of `index` looks like. */
export interface PlanTable {
	/** The table's name and its aliases in the statements, e.g. ['e', 'events']. */
	names: string[]
	/** What must follow `INDEX <index> (`, e.g. 'env_id=\\?' (a regex fragment); '' for any. */
	indexArgs: string
	/** An index whose search does not count as the statement's main one (a cursor's id lookup). */
	lookupIndex?: string
	/** The column a cursor bounds, which the index must range over: 'rowid' (default) or an INTEGER PRIMARY KEY such as 'seq'. */
	rangeColumn?: string
}

/**
 * What is wrong with a statement's SQLite plan: it must search the table through `c.index`,
 * a rowid (or seq) bound in the SQL must be a range of that index, a page must not sort
 * (`USE TEMP B-TREE FOR ORDER BY`), and nothing may scan the table.
 */
export function planProblems(db: Database, table: PlanTable, c: PlanCase): string[] {
	const plan = queryPlan(db, c)
	const names = table.names.join('|')
	const problems: string[] = []
	const main = plan.find((d) => new RegExp(`^(SEARCH|SCAN) (${names})\\b`).test(d) && !(table.lookupIndex && d.includes(table.lookupIndex)))
	if (!main || !new RegExp(`^SEARCH (${names}) USING (COVERING )?INDEX ${c.index} \\(${table.indexArgs}`).test(main)) problems.push(`does not search ${c.index}: ${main}`)
	// A cursor (or an id bound) must be a range of the index, not a filter over what the index finds.
	// (SQLite's plan names an INTEGER PRIMARY KEY that ends an index's entries `rowid`.)
	const range = table.rangeColumn ?? 'rowid'
	if (main && new RegExp(`\\b(${names})\\.${range} [<>]`).test(c.sql) && !new RegExp(`\\b(${range}|rowid)[<>]`).test(main)) problems.push(`cursor is not an index range: ${main}`)
	if ((c.paged ?? true) && plan.some((d) => d.includes('USE TEMP B-TREE FOR ORDER BY'))) problems.push('sorts: USE TEMP B-TREE FOR ORDER BY')
	const scans = plan.filter((d) => new RegExp(`^SCAN (${names})\\b`).test(d))
	if (scans.length > 0) problems.push(`scans: ${scans.join('; ')}`)
	return problems.map((p) => `${c.name}: ${p}`)
}

/** The lines of SQLite's EXPLAIN QUERY PLAN for a statement as a repo builds it (`$n` placeholders). */
export function queryPlan(db: Database, c: Pick<PlanCase, 'sql' | 'params'>): string[] {
	return prepare<{ detail: string }, (string | number | null)[]>(db, `EXPLAIN QUERY PLAN ${c.sql}`).all(...c.params).map((r) => r.detail)
}

/** An empty database in memory with every migration applied: the schema whose plans the tests read. */
export function migratedMemoryDb(): Database {
	const db = new Database(':memory:')
	migrate(db)
	return db
}
