-- Ingest wrote four b-trees per event: the row, the unique index on its 36-character id and
-- the two list indexes (env_key) and (env_key, source_key). An index appended in key order
-- splits its last leaves often (SQLite's quick balance is for table leaves only): the id index
-- was 2.56 of the 13 WAL frames of a 22-event commit (bench/wal-frames.ts).
--
-- Events are now keyed by `seq`, their INTEGER PRIMARY KEY (the rowid): the leading 64 bits of
-- the id (UUIDv7 milliseconds, version, counter), which its first 16 hex digits spell. A lookup
-- by id is a lookup of that seq (src/events/seq-sql.ts), so the id needs no index; the events
-- repo mints each id as it writes the row, so a new row lands at the table's right edge. The
-- list indexes are as before, their entries ending in the seq: lists walk them in seq order.
-- (One index (env_key, seq, source_key) for both lists would save another b-tree per commit,
-- but a rare source's page would then read the environment's entries up to it: 38 ms at one
-- event in 10,000 of a million, against 0.2 ms.)
--
-- Existing rows get seqs in id order: the seq their id spells, or one past the previous row's
-- when that is not above it (two legacy ids with the same leading 64 bits, an id hookstream did
-- not mint, which spells 0): seq = row number + the running maximum of (spelled seq - row
-- number). Those rows keep their seq in event_seqs, which lookups by id read first; it is empty
-- otherwise. The hex is read digit by digit: SQLite reads it in JSON5 only since 3.42.
--
-- An existing database rewrites every events row once: 7.2 s for 500,000 events of 1 KB bodies
-- (the WAL holds the table until the checkpoint after migrating). PostgreSQL keeps its unique
-- index on events.id.
CREATE TABLE events_by_seq (
	seq INTEGER PRIMARY KEY,
	id TEXT NOT NULL,
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
	topic TEXT,
	env_key INTEGER,
	source_key INTEGER
);

INSERT INTO events_by_seq (seq, id, org_id, env_id, source_id, method, headers, query_params, content_type, source_ip, payload_inline,
	payload_ref, payload_size, verification_status, verification_error, dedup_status, dedup_hash, status, received_at, topic, env_key, source_key)
SELECT n + MAX(COALESCE(spelled, 0) - n) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING), id, org_id, env_id, source_id, method, headers,
	query_params, content_type, source_ip, payload_inline, payload_ref, payload_size, verification_status, verification_error, dedup_status,
	dedup_hash, status, received_at, topic, env_key, source_key
FROM (
	SELECT *, ROW_NUMBER() OVER (ORDER BY id) AS n,
		CASE WHEN id GLOB 'evt_[0-7][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
			THEN (instr('0123456789abcdef', substr(id, 5, 1)) - 1) * 1152921504606846976 + (instr('0123456789abcdef', substr(id, 6, 1)) - 1) * 72057594037927936 + (instr('0123456789abcdef', substr(id, 7, 1)) - 1) * 4503599627370496 + (instr('0123456789abcdef', substr(id, 8, 1)) - 1) * 281474976710656 + (instr('0123456789abcdef', substr(id, 9, 1)) - 1) * 17592186044416 + (instr('0123456789abcdef', substr(id, 10, 1)) - 1) * 1099511627776 + (instr('0123456789abcdef', substr(id, 11, 1)) - 1) * 68719476736 + (instr('0123456789abcdef', substr(id, 12, 1)) - 1) * 4294967296 + (instr('0123456789abcdef', substr(id, 13, 1)) - 1) * 268435456 + (instr('0123456789abcdef', substr(id, 14, 1)) - 1) * 16777216 + (instr('0123456789abcdef', substr(id, 15, 1)) - 1) * 1048576 + (instr('0123456789abcdef', substr(id, 16, 1)) - 1) * 65536 + (instr('0123456789abcdef', substr(id, 17, 1)) - 1) * 4096 + (instr('0123456789abcdef', substr(id, 18, 1)) - 1) * 256 + (instr('0123456789abcdef', substr(id, 19, 1)) - 1) * 16 + (instr('0123456789abcdef', substr(id, 20, 1)) - 1) * 1 END AS spelled
	FROM events
)
ORDER BY id;

-- The list keys' delete triggers (migration 18) read events: SQLite checks them when a table is
-- renamed, so they go while `events` is missing and come back unchanged.
DROP TRIGGER sources_list_key_gone;
DROP TRIGGER environments_list_key_gone;
DROP TABLE events;
ALTER TABLE events_by_seq RENAME TO events;
CREATE INDEX events_env ON events (env_key);
CREATE INDEX events_env_source ON events (env_key, source_key);
CREATE TRIGGER sources_list_key_gone AFTER DELETE ON sources
BEGIN
	DELETE FROM list_keys WHERE id = OLD.id AND NOT EXISTS (SELECT 1 FROM events
		WHERE env_key = (SELECT key FROM list_keys WHERE id = OLD.env_id) AND source_key = list_keys.key);
END;
CREATE TRIGGER environments_list_key_gone AFTER DELETE ON environments
BEGIN
	DELETE FROM list_keys WHERE id = OLD.id AND NOT EXISTS (SELECT 1 FROM events WHERE env_key = list_keys.key);
END;

CREATE TABLE event_seqs (
	id TEXT PRIMARY KEY,
	seq INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO event_seqs (id, seq)
	SELECT id, seq FROM events
	WHERE seq IS NOT (CASE WHEN id GLOB 'evt_[0-7][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
			THEN (instr('0123456789abcdef', substr(id, 5, 1)) - 1) * 1152921504606846976 + (instr('0123456789abcdef', substr(id, 6, 1)) - 1) * 72057594037927936 + (instr('0123456789abcdef', substr(id, 7, 1)) - 1) * 4503599627370496 + (instr('0123456789abcdef', substr(id, 8, 1)) - 1) * 281474976710656 + (instr('0123456789abcdef', substr(id, 9, 1)) - 1) * 17592186044416 + (instr('0123456789abcdef', substr(id, 10, 1)) - 1) * 1099511627776 + (instr('0123456789abcdef', substr(id, 11, 1)) - 1) * 68719476736 + (instr('0123456789abcdef', substr(id, 12, 1)) - 1) * 4294967296 + (instr('0123456789abcdef', substr(id, 13, 1)) - 1) * 268435456 + (instr('0123456789abcdef', substr(id, 14, 1)) - 1) * 16777216 + (instr('0123456789abcdef', substr(id, 15, 1)) - 1) * 1048576 + (instr('0123456789abcdef', substr(id, 16, 1)) - 1) * 65536 + (instr('0123456789abcdef', substr(id, 17, 1)) - 1) * 4096 + (instr('0123456789abcdef', substr(id, 18, 1)) - 1) * 256 + (instr('0123456789abcdef', substr(id, 19, 1)) - 1) * 16 + (instr('0123456789abcdef', substr(id, 20, 1)) - 1) * 1 END);
