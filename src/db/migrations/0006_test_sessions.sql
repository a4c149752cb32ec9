-- Test sessions: an ephemeral source (sources.is_ephemeral = 1, expires_at, request_limit) plus what
-- only a session has. The source row carries the limits, so ingest needs nothing from this table.
CREATE TABLE test_sessions (
	source_id TEXT PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
	created_ip TEXT,
	created_at INTEGER NOT NULL,
	-- the answer senders get instead of {event_id, source_id}; NULL status = the default answer
	response_status INTEGER,
	response_content_type TEXT,
	response_body TEXT,
	forward_url TEXT,
	forward_enabled INTEGER NOT NULL DEFAULT 0
);

-- Free-text notes on events (test sessions' inspector); kept when a session is claimed.
CREATE TABLE event_notes (
	event_id TEXT PRIMARY KEY,
	source_id TEXT NOT NULL,
	note TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX event_notes_source ON event_notes (source_id);
