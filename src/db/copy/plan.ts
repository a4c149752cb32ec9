import { ConfigError } from '../../lib/errors'
import { type Convert, type ConvertStats, converterFor } from './convert'
import type { PgColumn, PgSchema } from './pg-target'
import type { SqliteSource } from './sqlite-source'

/** What to copy for one table: the SQLite columns, their PostgreSQL twins and converters. */
export interface TablePlan {
	table: string
	columns: PgColumn[]
	convert: Convert[]
	/** BYTEA columns: their byte totals are compared after the copy. */
	bytea: string[]
}

export interface CopyPlan {
	tables: TablePlan[]
	/** Tables only PostgreSQL has (its coordination state): left as the migrations made them. */
	pgOnly: string[]
}

/**
 * Matches the two schemas table by table and column by column. Both are built by migrations of
 * the same numbers, so a difference means the builds disagree: refuse rather than drop data.
 * A column only PostgreSQL has takes its default; a table only SQLite has may be skipped while empty.
 */
export function planCopy(source: SqliteSource, schema: PgSchema, stats: ConvertStats): CopyPlan {
	const tables: TablePlan[] = []
	const problems: string[] = []
	for (const table of source.tables()) {
		const target = schema.get(table)
		if (!target) {
			const rows = source.count(table)
			if (rows > 0) problems.push(`table ${table} (${rows} rows) has no PostgreSQL twin`)
			continue
		}
		const columns: PgColumn[] = []
		for (const name of source.columns(table)) {
			const column = target.get(name)
			if (column) columns.push(column)
			else problems.push(`column ${table}.${name} has no PostgreSQL twin`)
		}
		tables.push({
			table,
			columns,
			convert: columns.map((c) => converterFor(c.type, stats)),
			bytea: columns.filter((c) => c.type === 'bytea').map((c) => c.name)
		})
	}
	if (problems.length > 0) {
		throw new ConfigError(`the SQLite and PostgreSQL schemas of this build differ (${problems.join('; ')}): no row was copied`)
	}
	const copied = new Set(tables.map((t) => t.table))
	return { tables, pgOnly: [...schema.keys()].filter((t) => !copied.has(t)).sort() }
}
