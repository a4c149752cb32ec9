-- Periodic jobs (retention, rollups, alerts, replay, housekeeping) run once per tick
-- across every instance on one database: each instance's timer tries to insert the
-- job's current tick (floor(now / interval)) and only the one whose insert lands
-- runs it. Old ticks are pruned by the winners (src/cluster/ticks.ts).
CREATE TABLE job_ticks (
	job TEXT NOT NULL,
	tick INTEGER NOT NULL,
	owner TEXT NOT NULL,
	claimed_at INTEGER NOT NULL,
	PRIMARY KEY (job, tick)
);
