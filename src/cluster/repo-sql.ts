/** The job_ticks statements, the same text on both engines (SQLite ≥ 3.35 has RETURNING). */

/** A row comes back only for the instance whose insert landed: that one runs the tick. */
export const CLAIM_TICK = 'INSERT INTO job_ticks (job, tick, owner, claimed_at) VALUES ($1, $2, $3, $4) ON CONFLICT (job, tick) DO NOTHING RETURNING tick'
export const PRUNE_TICKS = 'DELETE FROM job_ticks WHERE job = $1 AND tick < $2'
