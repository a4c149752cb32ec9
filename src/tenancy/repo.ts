import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'

export interface EnvironmentRow {
	id: string
	org_id: string
	name: string
	slug: string
	created_at: number
}

export interface OrganizationRow {
	id: string
	name: string
	created_at: number
}

/** What a forced environment delete removed, so the caches holding it can be told. */
export interface PurgedEnvironment {
	sourceIds: string[]
	destinationIds: string[]
}

export type TenancyRepo = ReturnType<typeof createTenancyRepo>

const iso = (ms: number) => new Date(ms).toISOString()

export function createTenancyRepo(db: Database) {
	return { ...organizationsAndEnvironments(db), ...environmentContents(db) }
}

function organizationsAndEnvironments(db: Database) {
	const firstEnv = prepare<EnvironmentRow, [string]>(db, 'SELECT * FROM environments WHERE slug = $1 ORDER BY id LIMIT 1')
	const insertOrg = prepare(db, 'INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)')
	// Better Auth's twin row (same id): its members and invitations reference it. Dates as it writes them.
	const insertAuthOrg = prepare(db, 'INSERT INTO "organization" ("id", "name", "slug", "createdAt") VALUES ($1, $2, $1, $3)')
	const insertEnv = prepare(db, 'INSERT INTO environments (id, org_id, name, slug, created_at) VALUES ($1, $2, $3, $4, $5)')
	const orgById = prepare<OrganizationRow, [string]>(db, 'SELECT * FROM organizations WHERE id = $1')
	const envById = prepare<EnvironmentRow, [string]>(db, 'SELECT * FROM environments WHERE id = $1')
	const envsOf = prepare<EnvironmentRow, [string]>(db, 'SELECT * FROM environments WHERE org_id = $1 ORDER BY created_at, id')
	const countEnvs = prepare<{ n: number }, [string]>(db, 'SELECT COUNT(*) AS n FROM environments WHERE org_id = $1')
	const updateEnv = prepare(db, 'UPDATE environments SET name = $2, slug = $3 WHERE id = $1')

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
				insertAuthOrg.run(ids.orgId, names.org, iso(now))
				insertEnv.run(ids.envId, ids.orgId, names.env, names.envSlug, now)
				return { id: ids.envId, org_id: ids.orgId, name: names.env, slug: names.envSlug, created_at: now }
			})
			return run.immediate()
		},
		/** A new organization with its first environment (public sign-up). */
		async createOrganization(ids: { orgId: string; envId: string }, names: { org: string; env: string; envSlug: string }, now: number): Promise<EnvironmentRow> {
			db.transaction(() => {
				insertOrg.run(ids.orgId, names.org, now)
				insertAuthOrg.run(ids.orgId, names.org, iso(now))
				insertEnv.run(ids.envId, ids.orgId, names.env, names.envSlug, now)
			}).immediate()
			return { id: ids.envId, org_id: ids.orgId, name: names.env, slug: names.envSlug, created_at: now }
		},
		async organization(id: string): Promise<OrganizationRow | null> {
			return orgById.get(id)
		},
		async environment(id: string): Promise<EnvironmentRow | null> {
			return envById.get(id)
		},
		async environments(orgId: string): Promise<EnvironmentRow[]> {
			return envsOf.all(orgId)
		},
		async countEnvironments(orgId: string): Promise<number> {
			return countEnvs.get(orgId)?.n ?? 0
		},
		/** Inserts unless the org is at `max` environments (checked in the same write transaction). */
		async insertEnvironment(row: EnvironmentRow, max: number | null): Promise<boolean> {
			return db.transaction(() => {
				if (max !== null && (countEnvs.get(row.org_id)?.n ?? 0) >= max) return false
				insertEnv.run(row.id, row.org_id, row.name, row.slug, row.created_at)
				return true
			}).immediate()
		},
		async updateEnvironment(id: string, name: string, slug: string): Promise<void> {
			updateEnv.run(id, name, slug)
		}
	}
}

/** What lives inside an environment: counted for usage and emptiness, removed by a forced delete. */
function environmentContents(db: Database) {
	const contents = prepare<{ n: number }, [string]>(
		db,
		`SELECT (SELECT COUNT(*) FROM sources WHERE env_id = $1) + (SELECT COUNT(*) FROM destinations WHERE env_id = $1)
		      + (SELECT COUNT(*) FROM events WHERE env_id = $1) + (SELECT COUNT(*) FROM api_keys WHERE env_id = $1 AND revoked = 0) AS n`
	)
	const usage = prepare<{ sources: number; destinations: number; events: number }, [string, string]>(
		db,
		`SELECT (SELECT COUNT(*) FROM sources WHERE env_id = $1) AS sources, (SELECT COUNT(*) FROM destinations WHERE env_id = $1) AS destinations,
		        (SELECT COUNT(*) FROM events WHERE env_id = $1 AND id >= $2) AS events`
	)
	const idsIn = (table: 'sources' | 'destinations') => prepare<{ id: string }, [string]>(db, `SELECT id FROM ${table} WHERE env_id = $1`)
	const sourceIds = idsIn('sources')
	const destinationIds = idsIn('destinations')
	// Children first: nothing below cascades by itself except connections.
	const purge = [
		'DELETE FROM delivery_attempts WHERE env_id = $1',
		'DELETE FROM deliveries WHERE env_id = $1',
		'DELETE FROM issues WHERE env_id = $1',
		'DELETE FROM event_payloads WHERE event_id IN (SELECT id FROM events WHERE env_id = $1)',
		'DELETE FROM dedup_keys WHERE source_id IN (SELECT id FROM sources WHERE env_id = $1)',
		'DELETE FROM event_totals WHERE env_id = $1',
		'DELETE FROM events WHERE env_id = $1',
		'DELETE FROM connections WHERE env_id = $1',
		'DELETE FROM destinations WHERE env_id = $1',
		'DELETE FROM sources WHERE env_id = $1',
		'DELETE FROM api_keys WHERE env_id = $1',
		'DELETE FROM environments WHERE id = $1'
	].map((sql) => prepare(db, sql))

	return {
		/** Sources, destinations, events or live keys in it. */
		async environmentHasContents(id: string): Promise<boolean> {
			return (contents.get(id)?.n ?? 0) > 0
		},
		/** Counts for the usage page; events since `sinceEventId` (ids are time-ordered, so this is an index range). */
		async usage(envId: string, sinceEventId: string): Promise<{ sources: number; destinations: number; events: number }> {
			return usage.get(envId, sinceEventId) ?? { sources: 0, destinations: 0, events: 0 }
		},
		/** Deletes the environment and everything in it, in one transaction. */
		async purgeEnvironment(id: string): Promise<PurgedEnvironment> {
			return db.transaction(() => {
				const purged = { sourceIds: sourceIds.all(id).map((r) => r.id), destinationIds: destinationIds.all(id).map((r) => r.id) }
				for (const stmt of purge) stmt.run(id)
				return purged
			}).immediate()
		}
	}
}
