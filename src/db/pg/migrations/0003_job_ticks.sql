-- Periodic jobs run once per tick across every instance (SQLite 0013_job_ticks.sql).
CREATE TABLE job_ticks (
	job TEXT NOT NULL,
	tick BIGINT NOT NULL,
	owner TEXT NOT NULL,
	claimed_at BIGINT NOT NULL,
	PRIMARY KEY (job, tick)
);
