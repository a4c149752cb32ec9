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
	timeout_ms INTEGER NOT NULL DEFAULT 30000,
	auth_type TEXT NOT NULL DEFAULT 'none',
	-- auth_config, signing_config and provider_config hold credentials: sealed (lib/crypto SecretBox)
	auth_config TEXT,
	signing_config TEXT,
	provider_config TEXT,
	status TEXT NOT NULL DEFAULT 'active',
	event_count INTEGER NOT NULL DEFAULT 0,
	last_delivery_at INTEGER,
	retry_enabled INTEGER NOT NULL DEFAULT 1,
	retry_max_attempts INTEGER NOT NULL DEFAULT 5,
	retry_backoff_type TEXT NOT NULL DEFAULT 'exponential',
	retry_intervals TEXT NOT NULL DEFAULT '[30,300,1800,7200,86400]',
	circuit_breaker_enabled INTEGER NOT NULL DEFAULT 1,
	circuit_breaker_threshold INTEGER NOT NULL DEFAULT 5,
	circuit_breaker_reset_ms INTEGER NOT NULL DEFAULT 60000,
	-- circuit breaker state, persisted so it survives restarts
	circuit_state TEXT NOT NULL DEFAULT 'closed',
	circuit_failure_count INTEGER NOT NULL DEFAULT 0,
	circuit_opened_at INTEGER,
	circuit_next_probe_at INTEGER,
	circuit_last_transition_at INTEGER,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
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
	enabled INTEGER NOT NULL DEFAULT 1,
	filter_rules TEXT,
	status TEXT NOT NULL DEFAULT 'active',
	event_count INTEGER NOT NULL DEFAULT 0,
	last_event_at INTEGER,
	transform_enabled INTEGER NOT NULL DEFAULT 0,
	transform_expression TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
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
	attempts INTEGER NOT NULL DEFAULT 0,
	due_at INTEGER NOT NULL,
	lease_owner TEXT,
	lease_expires_at INTEGER,
	trigger_type TEXT NOT NULL DEFAULT 'initial',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
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
	request_body_size INTEGER NOT NULL DEFAULT 0,
	response_status INTEGER,
	response_headers TEXT,
	response_body TEXT,
	duration_ms INTEGER,
	status TEXT NOT NULL,
	error TEXT,
	error_type TEXT,
	created_at INTEGER NOT NULL,
	attempt_number INTEGER,
	next_retry_at INTEGER,
	is_dlq INTEGER NOT NULL DEFAULT 0,
	dlq_at INTEGER,
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
	occurrence_count INTEGER NOT NULL DEFAULT 1,
	first_seen_at INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	recent_attempt_ids TEXT NOT NULL DEFAULT '[]',
	snoozed_until INTEGER,
	resolved_at INTEGER,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX issues_env ON issues (env_id, status, id);
-- at most one unresolved issue per destination and error type
CREATE UNIQUE INDEX issues_active ON issues (destination_id, error_type) WHERE status <> 'resolved';
