-- Every delivery inserted its attempt row, and with it an entry in the unique index on the
-- attempt's 35-character id: an index appended in key order splits its last leaves often, and the
-- id index was one of the four b-trees each attempt wrote. Drains of 20,000 deliveries at 8 in
-- flight wrote ~600 bytes a delivery less without it, at 1-2 µs less CPU (bench/drain-io.ts;
-- BENCHMARKS.md, Delivery, eighteenth session).
--
-- Attempts are now keyed by `seq`, their INTEGER PRIMARY KEY (the rowid), as events are since
-- migration 22: the leading 64 bits of the id (UUIDv7 milliseconds, version, counter), which its
-- first 16 hex digits spell (src/db/seq-keys.ts). A lookup by id is a lookup of that seq, so the
-- id needs no index; the delivery repo mints each attempt's id as it records the row, so a new
-- row lands at the table's right edge. The list indexes are as before (migration 16), their
-- entries ending in the seq: lists walk them in seq order, which is id order.
--
-- Existing rows get seqs in id order: the seq their id spells, or one past the previous row's
-- when that is not above it (two ids with the same leading 64 bits, an id hookstream did not
-- mint, which spells 0): seq = row number + the running maximum of (spelled seq - row number).
-- Those rows keep their seq in attempt_seqs, which lookups by id read first; it is empty
-- otherwise. An existing database rewrites every attempt row once: 5.7 s for 500,000 attempts of
-- ~0.8 KB (a /tmp script, eighteenth session). PostgreSQL keeps its unique index on
-- delivery_attempts.id.
CREATE TABLE attempts_by_seq (
	seq INTEGER PRIMARY KEY,
	id TEXT NOT NULL,
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

INSERT INTO attempts_by_seq (seq, id, org_id, env_id, delivery_id, event_id, connection_id, destination_id, request_url, request_method, request_headers, request_body_size, response_status, response_headers, response_body, duration_ms, status, error, error_type, created_at, attempt_number, next_retry_at, is_dlq, dlq_at, trigger_type)
SELECT n + MAX(COALESCE(spelled, 0) - n) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING), id, org_id, env_id, delivery_id, event_id, connection_id, destination_id, request_url, request_method, request_headers, request_body_size, response_status, response_headers, response_body, duration_ms, status, error, error_type, created_at, attempt_number, next_retry_at, is_dlq, dlq_at, trigger_type
FROM (
	SELECT *, ROW_NUMBER() OVER (ORDER BY id) AS n,
		CASE WHEN id GLOB 'da_[0-7][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' THEN (instr('0123456789abcdef', substr(id, 4, 1)) - 1) * 1152921504606846976 + (instr('0123456789abcdef', substr(id, 5, 1)) - 1) * 72057594037927936 + (instr('0123456789abcdef', substr(id, 6, 1)) - 1) * 4503599627370496 + (instr('0123456789abcdef', substr(id, 7, 1)) - 1) * 281474976710656 + (instr('0123456789abcdef', substr(id, 8, 1)) - 1) * 17592186044416 + (instr('0123456789abcdef', substr(id, 9, 1)) - 1) * 1099511627776 + (instr('0123456789abcdef', substr(id, 10, 1)) - 1) * 68719476736 + (instr('0123456789abcdef', substr(id, 11, 1)) - 1) * 4294967296 + (instr('0123456789abcdef', substr(id, 12, 1)) - 1) * 268435456 + (instr('0123456789abcdef', substr(id, 13, 1)) - 1) * 16777216 + (instr('0123456789abcdef', substr(id, 14, 1)) - 1) * 1048576 + (instr('0123456789abcdef', substr(id, 15, 1)) - 1) * 65536 + (instr('0123456789abcdef', substr(id, 16, 1)) - 1) * 4096 + (instr('0123456789abcdef', substr(id, 17, 1)) - 1) * 256 + (instr('0123456789abcdef', substr(id, 18, 1)) - 1) * 16 + (instr('0123456789abcdef', substr(id, 19, 1)) - 1) * 1 END AS spelled
	FROM delivery_attempts
)
ORDER BY id;

DROP TABLE delivery_attempts;
ALTER TABLE attempts_by_seq RENAME TO delivery_attempts;
CREATE INDEX attempts_env ON delivery_attempts (env_id);
CREATE INDEX attempts_event ON delivery_attempts (event_id);
CREATE INDEX attempts_destination ON delivery_attempts (destination_id);

CREATE TABLE attempt_seqs (
	id TEXT PRIMARY KEY,
	seq INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO attempt_seqs (id, seq)
	SELECT id, seq FROM delivery_attempts
	WHERE seq IS NOT (CASE WHEN id GLOB 'da_[0-7][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' THEN (instr('0123456789abcdef', substr(id, 4, 1)) - 1) * 1152921504606846976 + (instr('0123456789abcdef', substr(id, 5, 1)) - 1) * 72057594037927936 + (instr('0123456789abcdef', substr(id, 6, 1)) - 1) * 4503599627370496 + (instr('0123456789abcdef', substr(id, 7, 1)) - 1) * 281474976710656 + (instr('0123456789abcdef', substr(id, 8, 1)) - 1) * 17592186044416 + (instr('0123456789abcdef', substr(id, 9, 1)) - 1) * 1099511627776 + (instr('0123456789abcdef', substr(id, 10, 1)) - 1) * 68719476736 + (instr('0123456789abcdef', substr(id, 11, 1)) - 1) * 4294967296 + (instr('0123456789abcdef', substr(id, 12, 1)) - 1) * 268435456 + (instr('0123456789abcdef', substr(id, 13, 1)) - 1) * 16777216 + (instr('0123456789abcdef', substr(id, 14, 1)) - 1) * 1048576 + (instr('0123456789abcdef', substr(id, 15, 1)) - 1) * 65536 + (instr('0123456789abcdef', substr(id, 16, 1)) - 1) * 4096 + (instr('0123456789abcdef', substr(id, 17, 1)) - 1) * 256 + (instr('0123456789abcdef', substr(id, 18, 1)) - 1) * 16 + (instr('0123456789abcdef', substr(id, 19, 1)) - 1) * 1 END);
