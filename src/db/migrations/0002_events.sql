-- Ingested events. The raw body is kept byte for byte: inline (BLOB) up to the
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
	payload_inline BLOB,
	payload_ref TEXT,
	payload_size INTEGER NOT NULL,
	verification_status TEXT NOT NULL,
	verification_error TEXT,
	dedup_status TEXT NOT NULL,
	dedup_hash TEXT,
	status TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	topic TEXT
);

-- Newest-first pages per environment and per source. Every index is paid on
-- each ingest write, so there are only these two: ids are time-ordered, so
-- retention deletes by id range and needs no received_at index.
CREATE INDEX events_env ON events (env_id, id);
CREATE INDEX events_source ON events (source_id, id);

CREATE TABLE event_payloads (
	event_id TEXT PRIMARY KEY,
	body BLOB NOT NULL
);

-- Dedup keys live as long as their source's window; they survive restarts.
CREATE TABLE dedup_keys (
	source_id TEXT NOT NULL,
	key_hash TEXT NOT NULL,
	event_id TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (source_id, key_hash)
);
CREATE INDEX dedup_keys_expiry ON dedup_keys (expires_at);
