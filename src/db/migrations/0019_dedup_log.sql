-- Dedup keys of the current window are kept in memory by the one server on this data dir
-- (src/events/repo-dedup.ts) and logged here, in the ingest transaction of their event:
-- an append to a rowid table writes the page at its right edge, where an insert into
-- dedup_keys' primary key lands at a random leaf (one page per event once the window
-- outgrows a few pages: bench/dedup-frames.ts). The server reloads this log at start and,
-- every FLUSH_KEYS keys, moves the live ones into dedup_keys in key order (many keys per
-- leaf), then trims the log up to what it moved. No index: it is read whole or trimmed by rowid.
-- PostgreSQL has no such table: several instances share dedup_keys there.
CREATE TABLE dedup_log (
	source_id TEXT NOT NULL,
	key_hash TEXT NOT NULL,
	event_id TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);
