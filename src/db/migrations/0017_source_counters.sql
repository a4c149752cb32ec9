-- A source's ingest counters move from its sources row to its event_totals row. Every ingest
-- commit updated both; the sources row is wide (settings, sealed secret, lists, schema), so
-- each commit rewrote one more page than needed. event_totals is small and already updated per
-- batch: one counter row per source, one page per commit. Reads join it back in (sources/repo-sql.ts).
ALTER TABLE event_totals ADD COLUMN event_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_totals ADD COLUMN last_event_at INTEGER;
-- Sources never counted need no row (a missing row reads as zero). The WHERE also keeps SQLite from
-- reading ON CONFLICT as a join constraint of the SELECT.
INSERT INTO event_totals (source_id, env_id, stored, event_count, last_event_at)
	SELECT id, env_id, 0, event_count, last_event_at FROM sources WHERE event_count > 0 OR last_event_at IS NOT NULL
	ON CONFLICT (source_id) DO UPDATE SET event_count = excluded.event_count, last_event_at = excluded.last_event_at;
ALTER TABLE sources DROP COLUMN event_count;
ALTER TABLE sources DROP COLUMN last_event_at;
-- A page of sources (no status filter) now joins each listed source's counters: walk the
-- environment's sources in id order and stop at the page's end, instead of joining and
-- sorting all of them (sources_env_status serves the status filter only).
CREATE INDEX sources_env ON sources (env_id, id);
