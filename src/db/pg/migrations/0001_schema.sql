-- The PostgreSQL schema, equal to SQLite migrations 0001–0011 applied in order (same
-- tables, columns, indexes and names). Types: INTEGER → BIGINT (epoch ms, counters;
-- src/db/pg/client.ts turns int8 back into numbers), BLOB → BYTEA, REAL → DOUBLE PRECISION.
-- JSON stays TEXT on both engines: the API returns stored JSON byte for byte, and jsonb
-- would reorder keys and drop whitespace. Later migrations are written for both engines.

-- ===== from SQLite 0001_init.sql =====
-- Tenancy, API keys and sources. Times are epoch milliseconds; booleans 0/1; JSON as text.
CREATE TABLE organizations (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE environments (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES organizations(id),
	name TEXT NOT NULL,
	slug TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (org_id, slug)
);

CREATE TABLE api_keys (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES organizations(id),
	env_id TEXT NOT NULL REFERENCES environments(id),
	name TEXT NOT NULL,
	key_hash TEXT NOT NULL UNIQUE,
	key_prefix TEXT NOT NULL,
	scopes TEXT,
	request_count BIGINT NOT NULL DEFAULT 0,
	revoked BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT
);

CREATE TABLE sources (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES organizations(id),
	env_id TEXT NOT NULL REFERENCES environments(id),
	slug TEXT NOT NULL,
	name TEXT NOT NULL,
	description TEXT,
	template TEXT,
	verification_enabled BIGINT NOT NULL DEFAULT 0,
	verification_type TEXT,
	-- sealed with AES-256-GCM (lib/crypto SecretBox), never stored in clear
	verification_secret TEXT,
	verification_header TEXT,
	verification_config TEXT,
	dedup_enabled BIGINT NOT NULL DEFAULT 0,
	dedup_strategy TEXT,
	dedup_field TEXT,
	dedup_window_seconds BIGINT NOT NULL DEFAULT 300,
	ip_allowlist TEXT,
	ip_denylist TEXT,
	status TEXT NOT NULL DEFAULT 'active',
	event_count BIGINT NOT NULL DEFAULT 0,
	last_event_at BIGINT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	is_ephemeral BIGINT NOT NULL DEFAULT 0,
	expires_at BIGINT,
	request_limit BIGINT,
	type TEXT NOT NULL DEFAULT 'http',
	source_config TEXT,
	schema_validation_enabled BIGINT NOT NULL DEFAULT 0,
	json_schema TEXT,
	schema_action TEXT,
	UNIQUE (env_id, slug)
);

CREATE INDEX sources_env_status ON sources (env_id, status, id);

-- ===== from SQLite 0002_events.sql =====
-- Ingested events. The raw body is kept byte for byte: inline (BYTEA) up to the
-- inline threshold, else in event_payloads, referenced by payload_ref.
CREATE TABLE events (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	env_id TEXT NOT NULL,
	source_id TEXT NOT NULL,
	method TEXT NOT NULL,
	headers TEXT NOT NULL,
	query_params TEXT,
	content_type TEXT,
	source_ip TEXT,
	payload_inline BYTEA,
	payload_ref TEXT,
	payload_size BIGINT NOT NULL,
	verification_status TEXT NOT NULL,
	verification_error TEXT,
	dedup_status TEXT NOT NULL,
	dedup_hash TEXT,
	status TEXT NOT NULL,
	received_at BIGINT NOT NULL,
	topic TEXT
);

-- Newest-first pages per environment and per source. Every index is paid on
-- each ingest write, so there are only these two: ids are time-ordered, so
-- retention deletes by id range and needs no received_at index.
CREATE INDEX events_env ON events (env_id, id);
CREATE INDEX events_source ON events (source_id, id);

CREATE TABLE event_payloads (
	event_id TEXT PRIMARY KEY,
	body BYTEA NOT NULL
);

-- Dedup keys live as long as their source's window; they survive restarts.
CREATE TABLE dedup_keys (
	source_id TEXT NOT NULL,
	key_hash TEXT NOT NULL,
	event_id TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (source_id, key_hash)
);
CREATE INDEX dedup_keys_expiry ON dedup_keys (expires_at);

-- ===== from SQLite 0003_delivery.sql =====
-- Destinations, connections, the delivery outbox, attempts and issues.

CREATE TABLE destinations (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES organizations(id),
	env_id TEXT NOT NULL REFERENCES environments(id),
	name TEXT NOT NULL,
	slug TEXT NOT NULL,
	type TEXT NOT NULL DEFAULT 'http',
	url TEXT,
	method TEXT NOT NULL DEFAULT 'POST',
	headers TEXT,
	timeout_ms BIGINT NOT NULL DEFAULT 30000,
	auth_type TEXT NOT NULL DEFAULT 'none',
	-- auth_config, signing_config and provider_config hold credentials: sealed (lib/crypto SecretBox)
	auth_config TEXT,
	signing_config TEXT,
	provider_config TEXT,
	status TEXT NOT NULL DEFAULT 'active',
	event_count BIGINT NOT NULL DEFAULT 0,
	last_delivery_at BIGINT,
	retry_enabled BIGINT NOT NULL DEFAULT 1,
	retry_max_attempts BIGINT NOT NULL DEFAULT 5,
	retry_backoff_type TEXT NOT NULL DEFAULT 'exponential',
	retry_intervals TEXT NOT NULL DEFAULT '[30,300,1800,7200,86400]',
	circuit_breaker_enabled BIGINT NOT NULL DEFAULT 1,
	circuit_breaker_threshold BIGINT NOT NULL DEFAULT 5,
	circuit_breaker_reset_ms BIGINT NOT NULL DEFAULT 60000,
	-- circuit breaker state, persisted so it survives restarts
	circuit_state TEXT NOT NULL DEFAULT 'closed',
	circuit_failure_count BIGINT NOT NULL DEFAULT 0,
	circuit_opened_at BIGINT,
	circuit_next_probe_at BIGINT,
	circuit_last_transition_at BIGINT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (env_id, slug)
);
CREATE INDEX destinations_env ON destinations (env_id, id);

CREATE TABLE connections (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES organizations(id),
	env_id TEXT NOT NULL REFERENCES environments(id),
	source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
	destination_id TEXT NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	description TEXT,
	enabled BIGINT NOT NULL DEFAULT 1,
	filter_rules TEXT,
	status TEXT NOT NULL DEFAULT 'active',
	event_count BIGINT NOT NULL DEFAULT 0,
	last_event_at BIGINT,
	transform_enabled BIGINT NOT NULL DEFAULT 0,
	transform_expression TEXT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX connections_env ON connections (env_id, id);
CREATE INDEX connections_source ON connections (source_id);
CREATE INDEX connections_destination ON connections (destination_id);

-- The outbox: one row per (event, connection), written in the event's own
-- transaction. A worker claims due rows with a lease; a sweeper returns
-- expired leases. `state`: queued | leased | delivered | dead (DLQ).
CREATE TABLE deliveries (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	env_id TEXT NOT NULL,
	event_id TEXT NOT NULL,
	connection_id TEXT NOT NULL,
	destination_id TEXT NOT NULL,
	state TEXT NOT NULL,
	attempts BIGINT NOT NULL DEFAULT 0,
	due_at BIGINT NOT NULL,
	lease_owner TEXT,
	lease_expires_at BIGINT,
	trigger_type TEXT NOT NULL DEFAULT 'initial',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (state, due_at, id);
CREATE INDEX deliveries_lease ON deliveries (state, lease_expires_at);
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_destination ON deliveries (destination_id, state, due_at, id);

CREATE TABLE delivery_attempts (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	env_id TEXT NOT NULL,
	delivery_id TEXT NOT NULL,
	event_id TEXT NOT NULL,
	connection_id TEXT NOT NULL,
	destination_id TEXT NOT NULL,
	request_url TEXT NOT NULL,
	request_method TEXT NOT NULL,
	request_headers TEXT,
	request_body_size BIGINT NOT NULL DEFAULT 0,
	response_status BIGINT,
	response_headers TEXT,
	response_body TEXT,
	duration_ms BIGINT,
	status TEXT NOT NULL,
	error TEXT,
	error_type TEXT,
	created_at BIGINT NOT NULL,
	attempt_number BIGINT,
	next_retry_at BIGINT,
	is_dlq BIGINT NOT NULL DEFAULT 0,
	dlq_at BIGINT,
	trigger_type TEXT
);
CREATE INDEX attempts_env ON delivery_attempts (env_id, id);
CREATE INDEX attempts_event ON delivery_attempts (event_id, id);
CREATE INDEX attempts_delivery ON delivery_attempts (delivery_id, id);
CREATE INDEX attempts_destination ON delivery_attempts (destination_id, id);

CREATE TABLE issues (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	env_id TEXT NOT NULL,
	destination_id TEXT NOT NULL,
	error_type TEXT NOT NULL,
	message TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open',
	occurrence_count BIGINT NOT NULL DEFAULT 1,
	first_seen_at BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	recent_attempt_ids TEXT NOT NULL DEFAULT '[]',
	snoozed_until BIGINT,
	resolved_at BIGINT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX issues_env ON issues (env_id, status, id);
-- at most one unresolved issue per destination and error type
CREATE UNIQUE INDEX issues_active ON issues (destination_id, error_type) WHERE status <> 'resolved';

-- ===== from SQLite 0004_event_totals.sql =====
-- Stored-event counts per source, kept in the ingest and retention transactions,
-- so a list's `pagination.total` is a lookup instead of a COUNT over millions of rows.
CREATE TABLE event_totals (
	source_id TEXT PRIMARY KEY,
	env_id TEXT NOT NULL,
	stored BIGINT NOT NULL
);
CREATE INDEX event_totals_env ON event_totals (env_id);
INSERT INTO event_totals (source_id, env_id, stored)
	SELECT source_id, env_id, COUNT(*) FROM events GROUP BY source_id, env_id;

-- A source filter is always scoped to its environment: one index serves both equalities and the order.
DROP INDEX events_source;
CREATE INDEX events_env_source ON events (env_id, source_id, id);

-- ===== from SQLite 0005_accounts.sql =====
-- Accounts: Better Auth 1.7.5's tables (users, sessions, credentials, organizations, members,
-- invitations), snapshotted from its compileMigrations() for our options (email+password and the
-- organization plugin); test/unit/accounts-schema.test.ts fails when a Better Auth upgrade needs more.
-- On PostgreSQL its dates are timestamptz and its booleans boolean (Better Auth's own PostgreSQL types); ours stay epoch ms.
create table "user" ("id" text not null primary key, "name" text not null, "email" text not null unique, "emailVerified" boolean not null, "image" text, "createdAt" timestamptz not null, "updatedAt" timestamptz not null);
create table "session" ("id" text not null primary key, "expiresAt" timestamptz not null, "token" text not null unique, "createdAt" timestamptz not null, "updatedAt" timestamptz not null, "ipAddress" text, "userAgent" text, "userId" text not null references "user" ("id") on delete cascade, "activeOrganizationId" text);
create table "account" ("id" text not null primary key, "accountId" text not null, "providerId" text not null, "userId" text not null references "user" ("id") on delete cascade, "accessToken" text, "refreshToken" text, "idToken" text, "accessTokenExpiresAt" timestamptz, "refreshTokenExpiresAt" timestamptz, "scope" text, "password" text, "createdAt" timestamptz not null, "updatedAt" timestamptz not null);
create table "verification" ("id" text not null primary key, "identifier" text not null, "value" text not null, "expiresAt" timestamptz not null, "createdAt" timestamptz not null, "updatedAt" timestamptz not null);
create table "organization" ("id" text not null primary key, "name" text not null, "slug" text not null unique, "logo" text, "createdAt" timestamptz not null, "metadata" text);
create table "member" ("id" text not null primary key, "organizationId" text not null references "organization" ("id") on delete cascade, "userId" text not null references "user" ("id") on delete cascade, "role" text not null, "createdAt" timestamptz not null);
create table "invitation" ("id" text not null primary key, "organizationId" text not null references "organization" ("id") on delete cascade, "email" text not null, "role" text, "status" text not null, "expiresAt" timestamptz not null, "createdAt" timestamptz not null, "inviterId" text not null references "user" ("id") on delete cascade);
create index "session_userId_idx" on "session" ("userId");
create index "account_userId_idx" on "account" ("userId");
create index "verification_identifier_idx" on "verification" ("identifier");
create index "member_organizationId_idx" on "member" ("organizationId");
create index "member_userId_idx" on "member" ("userId");
create index "invitation_organizationId_idx" on "invitation" ("organizationId");
create index "invitation_email_idx" on "invitation" ("email");

-- One Better Auth organization per hookstream organization, with the same id: the organizations
-- table stays the tenancy root that environments, keys and resources reference.
INSERT INTO "organization" ("id", "name", "slug", "createdAt")
	SELECT id, name, id, to_timestamp(created_at / 1000.0) FROM organizations;
CREATE UNIQUE INDEX member_org_user ON "member" ("organizationId", "userId");

-- CLI device login (RFC 8628 style): the CLI polls with device_code; a signed-in member approves
-- user_code; the next poll after approval mints one of our API keys and hands it out once
-- (so no plaintext key is ever stored). device_code itself is kept only as a SHA-256.
CREATE TABLE device_codes (
	device_code_hash TEXT PRIMARY KEY,
	user_code TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL,
	user_id TEXT,
	org_id TEXT,
	env_id TEXT,
	key_id TEXT,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	last_polled_at BIGINT
);

-- ===== from SQLite 0006_test_sessions.sql =====
-- Test sessions: an ephemeral source (sources.is_ephemeral = 1, expires_at, request_limit) plus what
-- only a session has. The source row carries the limits, so ingest needs nothing from this table.
CREATE TABLE test_sessions (
	source_id TEXT PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
	created_ip TEXT,
	created_at BIGINT NOT NULL,
	-- the answer senders get instead of {event_id, source_id}; NULL status = the default answer
	response_status BIGINT,
	response_content_type TEXT,
	response_body TEXT,
	forward_url TEXT,
	forward_enabled BIGINT NOT NULL DEFAULT 0
);

-- Free-text notes on events (test sessions' inspector); kept when a session is claimed.
CREATE TABLE event_notes (
	event_id TEXT PRIMARY KEY,
	source_id TEXT NOT NULL,
	note TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX event_notes_source ON event_notes (source_id);

-- ===== from SQLite 0007_metrics.sql =====
-- Metrics rollups (issue 12). A background job folds new events and delivery
-- attempts into hourly and daily buckets past a durable watermark, so ingest
-- and delivery pay nothing. `span` is 'hour' or 'day'; `bucket` is the bucket's
-- start in epoch ms (UTC). Latency is a fixed histogram: `counts` is a JSON
-- array of counts, one per bound of src/metrics/histogram.ts and a last one for
-- longer, merged by adding counts.
CREATE TABLE metric_volume (
	env_id TEXT NOT NULL,
	span TEXT NOT NULL,
	bucket BIGINT NOT NULL,
	source_id TEXT NOT NULL,
	event_count BIGINT NOT NULL,
	PRIMARY KEY (env_id, span, bucket, source_id)
);

CREATE TABLE metric_deliveries (
	env_id TEXT NOT NULL,
	span TEXT NOT NULL,
	bucket BIGINT NOT NULL,
	destination_id TEXT NOT NULL,
	delivery_count BIGINT NOT NULL,
	success_count BIGINT NOT NULL,
	failure_count BIGINT NOT NULL,
	dlq_count BIGINT NOT NULL,
	PRIMARY KEY (env_id, span, bucket, destination_id)
);

CREATE TABLE metric_latency (
	env_id TEXT NOT NULL,
	span TEXT NOT NULL,
	bucket BIGINT NOT NULL,
	destination_id TEXT NOT NULL,
	counts TEXT NOT NULL,
	PRIMARY KEY (env_id, span, bucket, destination_id)
);

CREATE TABLE metric_errors (
	env_id TEXT NOT NULL,
	span TEXT NOT NULL,
	bucket BIGINT NOT NULL,
	destination_id TEXT NOT NULL,
	error_type TEXT NOT NULL,
	count BIGINT NOT NULL,
	PRIMARY KEY (env_id, span, bucket, destination_id, error_type)
);

-- How far each rollup has read: every row with a smaller id is in the buckets.
CREATE TABLE metric_watermarks (
	name TEXT PRIMARY KEY,
	last_id TEXT NOT NULL
);

-- ===== from SQLite 0008_alerts.sql =====
-- Notification channels and alert rules (issue 12). A channel's `config` holds
-- credentials (webhook secret, Slack/Discord webhook URLs): sealed like a
-- destination's auth_config. `channel_ids` is a JSON array of channel ids.
CREATE TABLE notification_channels (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	env_id TEXT NOT NULL,
	name TEXT NOT NULL,
	channel_type TEXT NOT NULL,
	config TEXT NOT NULL,
	enabled BIGINT NOT NULL DEFAULT 1,
	last_sent_at BIGINT,
	error_count BIGINT NOT NULL DEFAULT 0,
	last_error TEXT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX notification_channels_env ON notification_channels (env_id, id);

-- `state` is 'ok' or 'firing'; `last_breach_at` is the last evaluation that saw
-- the condition (auto-resolve counts from it).
CREATE TABLE alert_rules (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	env_id TEXT NOT NULL,
	name TEXT NOT NULL,
	description TEXT,
	enabled BIGINT NOT NULL DEFAULT 1,
	rule_type TEXT NOT NULL,
	rule_config TEXT NOT NULL,
	source_id TEXT,
	destination_id TEXT,
	channel_ids TEXT NOT NULL DEFAULT '[]',
	cooldown_minutes BIGINT NOT NULL DEFAULT 60,
	last_triggered_at BIGINT,
	trigger_count BIGINT NOT NULL DEFAULT 0,
	state TEXT NOT NULL DEFAULT 'ok',
	last_breach_at BIGINT,
	last_evaluated_at BIGINT,
	last_value DOUBLE PRECISION,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX alert_rules_env ON alert_rules (env_id, id);

-- ===== from SQLite 0009_replay.sql =====
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
	from_at BIGINT NOT NULL,
	to_at BIGINT NOT NULL,
	rate_limit BIGINT NOT NULL,
	max_events BIGINT NOT NULL,
	-- running | completed | failed | cancelled
	status TEXT NOT NULL,
	total BIGINT NOT NULL,
	enqueued BIGINT NOT NULL DEFAULT 0,
	error TEXT,
	started_at BIGINT NOT NULL,
	completed_at BIGINT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX replay_jobs_env ON replay_jobs (env_id, id);
CREATE INDEX replay_jobs_status ON replay_jobs (status);

CREATE TABLE replay_items (
	job_id TEXT NOT NULL REFERENCES replay_jobs(id) ON DELETE CASCADE,
	seq BIGINT NOT NULL,
	event_id TEXT NOT NULL,
	connection_id TEXT NOT NULL,
	-- set when handed to the outbox
	delivery_id TEXT,
	PRIMARY KEY (job_id, seq)
);

-- ===== from SQLite 0010_source_rate_limit.sql =====
-- Per-source ingest rate limit (issue 12): requests per second, null = unlimited.
ALTER TABLE sources ADD COLUMN rate_limit_per_second BIGINT;

-- ===== from SQLite 0011_delivery_queue_indexes.sql =====
-- Every state change of a delivery (queued → leased → delivered) moved an entry in each index
-- keyed by state. `deliveries_due` served no query (the queue is read per destination through
-- `deliveries_destination`), and the sweeper only looks at leased rows: a partial index holds
-- just those, so ingest adds no entry to it and a finished delivery leaves it.
DROP INDEX IF EXISTS deliveries_due;
DROP INDEX IF EXISTS deliveries_lease;
CREATE INDEX IF NOT EXISTS deliveries_leased ON deliveries (lease_expires_at, lease_owner) WHERE state = 'leased';
