import type { Seek } from '../lib/pagination'
import type { Pg } from './pg/client'
import { retryRead } from './pg/read-retry'
import { type ResourceTableSpec, resourceTableSql, type resourceTable } from './resource-table'
import type { Condition } from './sql'
import { rethrowAsConflict } from './unique'

/**
 * resourceTable on PostgreSQL: the same SQL text (resourceTableSql) and the same
 * interface; a unique violation (23505) on the slug becomes the API's 409.
 */
export function resourceTablePg<Row extends { id: string; env_id: string; slug: string }>(
	pg: Pg,
	spec: ResourceTableSpec<Row>
): ReturnType<typeof resourceTable<Row>> {
	const { columns, mutable } = spec
	const sql = resourceTableSql(spec)

	return {
		async insert(row: Row): Promise<void> {
			try {
				await pg.run(sql.insert, sql.cells(row, columns))
			} catch (err) {
				rethrowAsConflict(err, spec.slugTaken(row.slug), '/slug')
			}
		},
		async findById(id: string): Promise<Row | null> {
			return retryRead(() => pg.get<Row>(sql.byId, [id]))
		},
		async countInEnv(envId: string): Promise<number> {
			return (await retryRead(() => pg.get<{ n: number }>(sql.count, [envId])))?.n ?? 0
		},
		async list(envId: string, filters: readonly Condition[], seek: Seek, limit: number): Promise<Row[]> {
			const q = sql.list(envId, filters, seek, limit)
			return retryRead(() => pg.all<Row>(q.text, q.params))
		},
		async update(row: Row): Promise<boolean> {
			try {
				return (await pg.run(sql.update, [row.id, row.env_id, ...sql.cells(row, mutable)])) > 0
			} catch (err) {
				rethrowAsConflict(err, spec.slugTaken(row.slug), '/slug')
			}
		},
		async delete(envId: string, id: string): Promise<boolean> {
			return (await pg.run(sql.remove, [id, envId])) > 0
		}
	}
}
