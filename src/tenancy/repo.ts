import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'

export interface EnvironmentRow {
	id: string
	org_id: string
	name: string
	slug: string
	created_at: number
}

export type TenancyRepo = ReturnType<typeof createTenancyRepo>

export function createTenancyRepo(db: Database) {
	const firstEnv = prepare<EnvironmentRow, [string]>(db, 'SELECT * FROM environments WHERE slug = $1 ORDER BY id LIMIT 1')
	const insertOrg = prepare(db, 'INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)')
	const insertEnv = prepare(db, 'INSERT INTO environments (id, org_id, name, slug, created_at) VALUES ($1, $2, $3, $4, $5)')

	return {
		/**
		 * Returns the environment with this slug, creating it and its organization
		 * first when missing. One immediate transaction, so two processes racing
		 * (a CLI next to a running server) cannot create two defaults.
		 */
		async ensureDefault(ids: { orgId: string; envId: string }, names: { org: string; env: string; envSlug: string }, now: number): Promise<EnvironmentRow> {
			const run = db.transaction(() => {
				const existing = firstEnv.get(names.envSlug)
				if (existing) return existing
				insertOrg.run(ids.orgId, names.org, now)
				insertEnv.run(ids.envId, ids.orgId, names.env, names.envSlug, now)
				return { id: ids.envId, org_id: ids.orgId, name: names.env, slug: names.envSlug, created_at: now }
			})
			return run.immediate()
		}
	}
}
