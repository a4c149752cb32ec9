import type { Pg, PgQuery } from '../db/pg/client'
import { retryRead, retryTransaction } from '../db/pg/read-retry'
import { ID_ORDER } from '../events/order-sql'
import type { createTenancyRepo, EnvironmentRow, OrganizationRow, PurgedEnvironment } from './repo'
import {
	contentsQuery, COUNT_ENVS, DESTINATION_IDS, ENV_BY_ID, ENVS_OF, FIRST_ENV, INSERT_AUTH_ORG, INSERT_ENV, INSERT_ORG, ORG_BY_ID, purgeStatements,
	SOURCE_IDS, UPDATE_ENV, usageQuery
} from './repo-sql'

const USAGE = usageQuery(ID_ORDER)
const CONTENTS = contentsQuery(ID_ORDER)
const PURGE = purgeStatements(ID_ORDER)

type Ids = { orgId: string; envId: string }
type Names = { org: string; env: string; envSlug: string }

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * Serializes ensureDefault across every instance on the database (SQLite gets this from
 * its immediate transaction): held to the end of the transaction, so the loser of a race
 * sees the winner's environment instead of creating a second default.
 */
const ENSURE_DEFAULT_LOCK = "SELECT pg_advisory_xact_lock(hashtext('hookstream.tenancy.ensure-default'))"
/**
 * A purge locks the environment's sources, then its destinations, before deleting anything:
 * the order ingest takes them in (events/repo-pg.ts), so a batch that already counted an
 * event commits first and one that has not waits and finds the source gone, instead of
 * adding an event between the purge's delete of events and its commit.
 */
const LOCKED_IN_ORDER = 'ORDER BY id FOR UPDATE'
/** Locks the organization row so two instances cannot both pass the environment limit. */
const LOCK_ORG = 'SELECT id FROM organizations WHERE id = $1 FOR UPDATE'

async function insertOrganization(q: PgQuery, ids: Ids, names: Names, now: number): Promise<EnvironmentRow> {
	await q.run(INSERT_ORG, [ids.orgId, names.org, now])
	await q.run(INSERT_AUTH_ORG, [ids.orgId, names.org, iso(now)])
	await q.run(INSERT_ENV, [ids.envId, ids.orgId, names.env, names.envSlug, now])
	return { id: ids.envId, org_id: ids.orgId, name: names.env, slug: names.envSlug, created_at: now }
}

/** The tenancy repo on PostgreSQL (same SQL text as repo.ts, from repo-sql.ts; locks where SQLite has one writer). */
export function createTenancyRepoPg(pg: Pg): ReturnType<typeof createTenancyRepo> {
	return {
		async ensureDefault(ids: Ids, names: Names, now: number): Promise<EnvironmentRow> {
			const existing = await retryRead(() => pg.get<EnvironmentRow>(FIRST_ENV, [names.envSlug]))
			if (existing) return existing
			return pg.tx(async (q) => {
				await q.run(ENSURE_DEFAULT_LOCK)
				return (await q.get<EnvironmentRow>(FIRST_ENV, [names.envSlug])) ?? insertOrganization(q, ids, names, now)
			})
		},
		async createOrganization(ids: Ids, names: Names, now: number): Promise<EnvironmentRow> {
			return pg.tx((q) => insertOrganization(q, ids, names, now))
		},
		async organization(id: string): Promise<OrganizationRow | null> {
			return retryRead(() => pg.get<OrganizationRow>(ORG_BY_ID, [id]))
		},
		async environment(id: string): Promise<EnvironmentRow | null> {
			return retryRead(() => pg.get<EnvironmentRow>(ENV_BY_ID, [id]))
		},
		async environments(orgId: string): Promise<EnvironmentRow[]> {
			return retryRead(() => pg.all<EnvironmentRow>(ENVS_OF, [orgId]))
		},
		async countEnvironments(orgId: string): Promise<number> {
			return (await retryRead(() => pg.get<{ n: number }>(COUNT_ENVS, [orgId])))?.n ?? 0
		},
		async insertEnvironment(row: EnvironmentRow, max: number | null): Promise<boolean> {
			return pg.tx(async (q) => {
				if (max !== null) {
					await q.run(LOCK_ORG, [row.org_id])
					if (((await q.get<{ n: number }>(COUNT_ENVS, [row.org_id]))?.n ?? 0) >= max) return false
				}
				await q.run(INSERT_ENV, [row.id, row.org_id, row.name, row.slug, row.created_at])
				return true
			})
		},
		async updateEnvironment(id: string, name: string, slug: string): Promise<void> {
			await pg.run(UPDATE_ENV, [id, name, slug])
		},
		async environmentHasContents(id: string): Promise<boolean> {
			return ((await retryRead(() => pg.get<{ n: number }>(CONTENTS, [id])))?.n ?? 0) > 0
		},
		async usage(envId: string, sinceEventId: string): Promise<{ sources: number; destinations: number; events: number }> {
			return (await retryRead(() => pg.get<{ sources: number; destinations: number; events: number }>(USAGE, [envId, sinceEventId]))) ?? { sources: 0, destinations: 0, events: 0 }
		},
		async purgeEnvironment(id: string): Promise<PurgedEnvironment> {
			// A delivery outcome locks its events, then their deliveries, then its destination; the purge
			// takes the destinations first and the events last: a deadlock between the two is retried.
			return retryTransaction(() => pg.tx(async (q) => {
				const purged = {
					sourceIds: (await q.all<{ id: string }>(`${SOURCE_IDS} ${LOCKED_IN_ORDER}`, [id])).map((r) => r.id),
					destinationIds: (await q.all<{ id: string }>(`${DESTINATION_IDS} ${LOCKED_IN_ORDER}`, [id])).map((r) => r.id)
				}
				for (const text of PURGE) await q.run(text, [id])
				return purged
			}))
		}
	}
}
