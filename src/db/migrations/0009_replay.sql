-- Replay jobs (issue 12). The events a job will re-deliver are chosen once, at
-- creation, into replay_items (in order); the runner hands them to the delivery
-- outbox at the job's rate, each item and its delivery row in one transaction,
-- so a job resumes exactly where it was after a crash.
CREATE TABLE replay_jobs (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	env_id TEXT NOT NULL,
	destination_id TEXT NOT NULL,
	source_id TEXT,
	connection_id TEXT,
	filter TEXT,
	from_at INTEGER NOT NULL,
	to_at INTEGER NOT NULL,
	rate_limit INTEGER NOT NULL,
	max_events INTEGER NOT NULL,
	-- running | completed | failed | cancelled
	status TEXT NOT NULL,
	total INTEGER NOT NULL,
	enqueued INTEGER NOT NULL DEFAULT 0,
	error TEXT,
	started_at INTEGER NOT NULL,
	completed_at INTEGER,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX replay_jobs_env ON replay_jobs (env_id, id);
CREATE INDEX replay_jobs_status ON replay_jobs (status);

CREATE TABLE replay_items (
	job_id TEXT NOT NULL REFERENCES replay_jobs(id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	event_id TEXT NOT NULL,
	connection_id TEXT NOT NULL,
	-- set when handed to the outbox
	delivery_id TEXT,
	PRIMARY KEY (job_id, seq)
);
