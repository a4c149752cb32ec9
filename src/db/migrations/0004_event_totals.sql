-- Stored-event counts per source, kept in the ingest and retention transactions,
-- so a list's `pagination.total` is a lookup instead of a COUNT over millions of rows.
CREATE TABLE event_totals (
	source_id TEXT PRIMARY KEY,
	env_id TEXT NOT NULL,
	stored INTEGER NOT NULL
);
CREATE INDEX event_totals_env ON event_totals (env_id);
INSERT INTO event_totals (source_id, env_id, stored)
	SELECT source_id, env_id, COUNT(*) FROM events GROUP BY source_id, env_id;

-- A source filter is always scoped to its environment: one index serves both equalities and the order.
DROP INDEX events_source;
CREATE INDEX events_env_source ON events (env_id, source_id, id);
