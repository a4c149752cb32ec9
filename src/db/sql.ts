import type { Database, SQLQueryBindings, Statement } from 'bun:sqlite'

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
