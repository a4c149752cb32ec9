import type { Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import type { createClusterRepo } from './repo'
import { CLAIM_TICK, PRUNE_TICKS } from './repo-sql'

/** The PostgreSQL side of src/cluster/repo.ts. */
export function createClusterRepoPg(pg: Pg): ReturnType<typeof createClusterRepo> {
	return {
		// A claim is idempotent for its owner: sent again after a lost connection, a landed
		// first try shows up as a conflict, so that tick is skipped (never run twice).
		async claimTick(job: string, tick: number, owner: string, now: number): Promise<boolean> {
			return (await retryRead(() => pg.get(CLAIM_TICK, [job, tick, owner, now]))) !== null
		},
		async pruneTicks(job: string, before: number): Promise<number> {
			return pg.run(PRUNE_TICKS, [job, before])
		}
	}
}
