-- Ingest writes every index entry of every event. The list indexes carried the
-- 36-character event id after their keys; an index entry of a rowid table ends in
-- the rowid anyway, and rowids follow commit order, so (env_id) and
-- (env_id, source_id) serve newest-first pages by rowid with smaller entries and
-- fewer pages written per commit. List queries order by rowid and turn an id bound
-- into a rowid bound (src/events/order-sql.ts says when the two orders differ).
-- The table is untouched: an existing database only rebuilds these two indexes
-- (≈ 0.5 s per 200,000 events). PostgreSQL has no rowid and keeps (…, id).
DROP INDEX events_env;
DROP INDEX events_env_source;
CREATE INDEX events_env ON events (env_id);
CREATE INDEX events_env_source ON events (env_id, source_id);
