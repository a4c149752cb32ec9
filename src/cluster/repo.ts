import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import { CLAIM_TICK, PRUNE_TICKS } from './repo-sql'

export type ClusterRepo = ReturnType<typeof createClusterRepo>

/** Coordination rows shared by every instance on one database: periodic job ticks. */
export function createClusterRepo(db: Database) {
	const claim = prepare<{ tick: number }, [string, number, string, number]>(db, CLAIM_TICK)
	const prune = prepare(db, PRUNE_TICKS)
	return {
		/** True when this owner's insert of (job, tick) landed; false when another instance had it. */
		async claimTick(job: string, tick: number, owner: string, now: number): Promise<boolean> {
			return claim.get(job, tick, owner, now) !== null
		},
		/** Deletes the job's ticks below `before`; returns how many. */
		async pruneTicks(job: string, before: number): Promise<number> {
			return prune.run(job, before).changes
		}
	}
}
