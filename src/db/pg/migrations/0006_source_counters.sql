-- SQLite's 0017_source_counters.sql: a source's ingest counters move from its wide sources row
-- to its small event_totals row, so an ingest batch updates one row per source instead of two
-- (no new version of the whole sources row per batch). Reads join them back in (sources/repo-sql.ts).
ALTER TABLE event_totals ADD COLUMN event_count BIGINT NOT NULL DEFAULT 0, ADD COLUMN last_event_at BIGINT;
INSERT INTO event_totals (source_id, env_id, stored, event_count, last_event_at)
	SELECT id, env_id, 0, event_count, last_event_at FROM sources WHERE event_count > 0 OR last_event_at IS NOT NULL
	ON CONFLICT (source_id) DO UPDATE SET event_count = excluded.event_count, last_event_at = excluded.last_event_at;
ALTER TABLE sources DROP COLUMN event_count, DROP COLUMN last_event_at;
-- A page of sources (no status filter) walks the environment's sources in id order and stops at
-- the page's end, joining only those rows' counters (SQLite's migration 17 adds the same index).
CREATE INDEX sources_env ON sources (env_id, id);
