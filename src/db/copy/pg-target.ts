import type { PgQuery } from '../pg/client'
import { valuesList } from '../sql'
import { quoteIdent } from './sqlite-source'

/**
 * The PostgreSQL side of the copy, read from the catalog rather than listed by hand, so a
 * table a later migration adds is copied without touching this file.
 */
export interface PgColumn {
	name: string
	/** `information_schema.columns.data_type`, e.g. `bigint`, `timestamp with time zone`. */
	type: string
	/** GENERATED ALWAYS AS IDENTITY: an explicit value needs OVERRIDING SYSTEM VALUE. */
	identityAlways: boolean
	/** Filled from a sequence (serial or identity): the sequence must move past the copied ids. */
	sequence: boolean
}

export type PgSchema = Map<string, Map<string, PgColumn>>

/** Bookkeeping of the target itself (its migrations log), never copied nor required empty. */
export const PG_OWN_TABLES = new Set(['_migrations'])

interface ColumnRow {
	table_name: string
	column_name: string
	data_type: string
	is_identity: string
	identity_generation: string | null
	column_default: string | null
}

export async function readPgSchema(q: PgQuery): Promise<PgSchema> {
	const rows = await q.all<ColumnRow>(
		`SELECT c.table_name, c.column_name, c.data_type, c.is_identity, c.identity_generation, c.column_default
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
		WHERE c.table_schema = current_schema()
		ORDER BY c.table_name, c.ordinal_position`
	)
	const schema: PgSchema = new Map()
	for (const r of rows) {
		if (PG_OWN_TABLES.has(r.table_name)) continue
		const table = schema.get(r.table_name) ?? new Map<string, PgColumn>()
		const sequence = r.is_identity === 'YES' || (r.column_default ?? '').startsWith('nextval(')
		table.set(r.column_name, { name: r.column_name, type: r.data_type, identityAlways: r.identity_generation === 'ALWAYS', sequence })
		schema.set(r.table_name, table)
	}
	return schema
}

/** `tables` ordered so every table comes after the tables its foreign keys point at. */
export async function parentsFirst(q: PgQuery, tables: readonly string[]): Promise<string[]> {
	const edges = await q.all<{ child: string; parent: string }>(
		`SELECT ch.relname AS child, pa.relname AS parent
		FROM pg_constraint c
		JOIN pg_class ch ON ch.oid = c.conrelid
		JOIN pg_class pa ON pa.oid = c.confrelid
		JOIN pg_namespace n ON n.oid = c.connamespace
		WHERE c.contype = 'f' AND n.nspname = current_schema()`
	)
	const parents = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]))
	for (const e of edges) if (e.child !== e.parent && parents.has(e.child) && parents.has(e.parent)) parents.get(e.child)?.add(e.parent)
	const ordered: string[] = []
	const placed = new Set<string>()
	while (ordered.length < tables.length) {
		const ready = tables.filter((t) => !placed.has(t) && [...(parents.get(t) ?? [])].every((p) => placed.has(p)))
		if (ready.length === 0) throw new Error(`foreign keys form a cycle among: ${tables.filter((t) => !placed.has(t)).join(', ')}`)
		for (const t of ready) {
			placed.add(t)
			ordered.push(t)
		}
	}
	return ordered
}

/** Tables that already hold rows, with a count each. */
export async function nonEmpty(q: PgQuery, tables: Iterable<string>): Promise<{ table: string; rows: number }[]> {
	const found: { table: string; rows: number }[] = []
	for (const table of tables) {
		const any = await q.get(`SELECT 1 AS x FROM ${quoteIdent(table)} LIMIT 1`)
		if (any) found.push({ table, rows: await countRows(q, table) })
	}
	return found
}

export async function countRows(q: PgQuery, table: string): Promise<number> {
	return (await q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoteIdent(table)}`))?.n ?? 0
}

export async function byteSum(q: PgQuery, table: string, column: string): Promise<number> {
	const row = await q.get<{ n: number }>(`SELECT CAST(COALESCE(SUM(octet_length(${quoteIdent(column)})), 0) AS BIGINT) AS n FROM ${quoteIdent(table)}`)
	return row?.n ?? 0
}

/** One multi-row INSERT; `rows` hold one converted value per column, in column order. */
export async function insertRows(q: PgQuery, table: string, columns: readonly PgColumn[], rows: readonly unknown[][]): Promise<void> {
	if (rows.length === 0) return
	const overriding = columns.some((c) => c.identityAlways) ? ' OVERRIDING SYSTEM VALUE' : ''
	const text = `INSERT INTO ${quoteIdent(table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')})${overriding} VALUES ${valuesList(rows.length, columns.length)}`
	await q.run(text, rows.flat())
}

/** After explicit ids were copied, a sequence must hand out the next one, not one already taken. */
export async function advanceSequences(q: PgQuery, table: string, columns: readonly PgColumn[]): Promise<void> {
	for (const c of columns) {
		if (!c.sequence) continue
		await q.run(
			`SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT MAX(${quoteIdent(c.name)}) AS m FROM ${quoteIdent(table)}) s WHERE m IS NOT NULL`,
			[quoteIdent(table), c.name]
		)
	}
}
