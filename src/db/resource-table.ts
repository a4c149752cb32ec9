import type { Database } from 'bun:sqlite'
import type { Seek } from '../lib/pagination'
import { type Condition, prepare, seekOf, type SqlValue, valuesList, whereOf } from './sql'
import { rethrowAsConflict } from './unique'

export type Cell = SqlValue | Uint8Array | null

/** What a configuration table (sources, destinations) declares about itself. */
export interface ResourceTableSpec<Row> {
	table: string
	/** Every column an insert writes and a read returns (reads add `joined`'s). */
	columns: readonly (keyof Row & string)[]
	/** The columns a PATCH may change; the update writes these only. */
	mutable: readonly (keyof Row & string)[]
	/** The 409 message for a slug already taken in the environment. */
	slugTaken: (slug: string) => string
	/**
	 * Columns reads return that another table keeps (a source's ingest counters), and the FROM
	 * item that joins them in under the table's name. Inserts and updates never write them.
	 */
	joined?: { columns: readonly (keyof Row & string)[]; from: string }
}

/**
 * The SQL text of a resource table, the same on both engines (resource-table-pg.ts
 * runs it on PostgreSQL): insert, update of the mutable columns, read by id, count,
 * keyset list and delete.
 */
export function resourceTableSql<Row>(spec: ResourceTableSpec<Row>) {
	const { table, columns, mutable, joined } = spec
	const select = `SELECT ${[...columns, ...(joined?.columns ?? [])].join(', ')} FROM ${joined?.from ?? table}`
	return {
		insert: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${valuesList(1, columns.length)}`,
		update: `UPDATE ${table} SET ${mutable.map((c, i) => `${c} = $${i + 3}`).join(', ')} WHERE id = $1 AND env_id = $2`,
		byId: `${select} WHERE id = $1`,
		count: `SELECT COUNT(*) AS n FROM ${table} WHERE env_id = $1`,
		remove: `DELETE FROM ${table} WHERE id = $1 AND env_id = $2`,
		/** `limit` rows of the environment from the seek point, in its fetch order, narrowed by `filters`. */
		list(envId: string, filters: readonly Condition[], seek: Seek, limit: number): { text: string; params: SqlValue[] } {
			const { condition, orderBy } = seekOf('id', seek)
			const w = whereOf([['env_id = ?', envId], ...filters, condition])
			return { text: `${select} WHERE ${w.sql} ORDER BY ${orderBy} LIMIT ${w.bind(limit)}`, params: w.params }
		},
		/** An insert's or update's values, in the statement's order. */
		cells: (row: Row, cols: readonly (keyof Row & string)[]) => cols.map((c) => row[c] as Cell)
	}
}

/**
 * The statements every env-scoped configuration table with a unique slug shares:
 * insert, update of its mutable columns, read by id, count, keyset list and
 * delete. Each repo adds what is its own (filters, sealed-secret probes).
 */
export function resourceTable<Row extends { id: string; env_id: string; slug: string }>(db: Database, spec: ResourceTableSpec<Row>) {
	const { columns, mutable } = spec
	const sql = resourceTableSql(spec)
	const insert = prepare(db, sql.insert)
	const update = prepare(db, sql.update)
	const byId = prepare<Row, [string]>(db, sql.byId)
	const count = prepare<{ n: number }, [string]>(db, sql.count)
	const remove = prepare(db, sql.remove)
	const cells = sql.cells

	return {
		async insert(row: Row): Promise<void> {
			try {
				insert.run(...cells(row, columns))
			} catch (err) {
				rethrowAsConflict(err, spec.slugTaken(row.slug), '/slug')
			}
		},
		/** Any environment: callers that serve tenants must check `env_id` themselves. */
		async findById(id: string): Promise<Row | null> {
			return byId.get(id)
		},
		async countInEnv(envId: string): Promise<number> {
			return count.get(envId)?.n ?? 0
		},
		/** `limit` rows of the environment from the seek point, in its fetch order, narrowed by `filters`. */
		async list(envId: string, filters: readonly Condition[], seek: Seek, limit: number): Promise<Row[]> {
			const q = sql.list(envId, filters, seek, limit)
			return prepare<Row, SqlValue[]>(db, q.text).all(...q.params)
		},
		/** Writes the mutable columns only; false when no such row is in the environment. */
		async update(row: Row): Promise<boolean> {
			try {
				return update.run(row.id, row.env_id, ...cells(row, mutable)).changes > 0
			} catch (err) {
				rethrowAsConflict(err, spec.slugTaken(row.slug), '/slug')
			}
		},
		async delete(envId: string, id: string): Promise<boolean> {
			return remove.run(id, envId).changes > 0
		}
	}
}
