-- Tenancy, API keys and sources. Times are epoch milliseconds; booleans 0/1; JSON as text.
CREATE TABLE organizations (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE environments (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES organizations(id),
	name TEXT NOT NULL,
	slug TEXT NOT NULL,
	created_at INTEGER NOT NULL,
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
	request_count INTEGER NOT NULL DEFAULT 0,
	revoked INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	last_used_at INTEGER
);

CREATE TABLE sources (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES organizations(id),
	env_id TEXT NOT NULL REFERENCES environments(id),
	slug TEXT NOT NULL,
	name TEXT NOT NULL,
	description TEXT,
	template TEXT,
	verification_enabled INTEGER NOT NULL DEFAULT 0,
	verification_type TEXT,
	-- sealed with AES-256-GCM (lib/crypto SecretBox), never stored in clear
	verification_secret TEXT,
	verification_header TEXT,
	verification_config TEXT,
	dedup_enabled INTEGER NOT NULL DEFAULT 0,
	dedup_strategy TEXT,
	dedup_field TEXT,
	dedup_window_seconds INTEGER NOT NULL DEFAULT 300,
	ip_allowlist TEXT,
	ip_denylist TEXT,
	status TEXT NOT NULL DEFAULT 'active',
	event_count INTEGER NOT NULL DEFAULT 0,
	last_event_at INTEGER,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	is_ephemeral INTEGER NOT NULL DEFAULT 0,
	expires_at INTEGER,
	request_limit INTEGER,
	type TEXT NOT NULL DEFAULT 'http',
	source_config TEXT,
	schema_validation_enabled INTEGER NOT NULL DEFAULT 0,
	json_schema TEXT,
	schema_action TEXT,
	UNIQUE (env_id, slug)
);

CREATE INDEX sources_env_status ON sources (env_id, status, id);
