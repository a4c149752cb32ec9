import type { Database } from 'bun:sqlite'
import { countEventDeletion } from '../db/event-deletions'
import { prepare } from '../db/sql'
import { SEQ_ORDER } from '../events/order-sql'
import {
	contentsQuery, COUNT_ENVS, DESTINATION_IDS, ENV_BY_ID, ENVS_OF, FIRST_ENV, INSERT_AUTH_ORG, INSERT_ENV, INSERT_ORG, ORG_BY_ID, purgeStatements,
	SOURCE_IDS, UPDATE_ENV, usageQuery
} from './repo-sql'

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
	const firstEnv = prepare<EnvironmentRow, [string]>(db, FIRST_ENV)
	const insertOrg = prepare(db, INSERT_ORG)
	const insertAuthOrg = prepare(db, INSERT_AUTH_ORG)
	const insertEnv = prepare(db, INSERT_ENV)
	const orgById = prepare<OrganizationRow, [string]>(db, ORG_BY_ID)
	const envById = prepare<EnvironmentRow, [string]>(db, ENV_BY_ID)
	const envsOf = prepare<EnvironmentRow, [string]>(db, ENVS_OF)
	const countEnvs = prepare<{ n: number }, [string]>(db, COUNT_ENVS)
	const updateEnv = prepare(db, UPDATE_ENV)

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
	const contents = prepare<{ n: number }, [string]>(db, contentsQuery(SEQ_ORDER))
	const usage = prepare<{ sources: number; destinations: number; events: number }, [string, string]>(db, usageQuery(SEQ_ORDER))
	const sourceIds = prepare<{ id: string }, [string]>(db, SOURCE_IDS)
	const destinationIds = prepare<{ id: string }, [string]>(db, DESTINATION_IDS)
	const purge = purgeStatements(SEQ_ORDER).map((sql) => prepare(db, sql))

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
				countEventDeletion(db)
				for (const stmt of purge) stmt.run(id)
				return purged
			}).immediate()
		}
	}
}
