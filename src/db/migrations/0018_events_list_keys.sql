-- Ingest writes every index entry of every event. The list indexes (env_id) and
-- (env_id, source_id) carried the 36-character environment and source ids, 36 and
-- 72 bytes of key per entry, so their leaves filled and split often (3.35 + 4.40 WAL
-- frames per commit of 22 events). Keyed by small integers instead, an entry is a few
-- bytes: fewer leaf splits, fewer pages written per commit (bench/wal-frames.ts).
--
-- list_keys gives each environment and source id its key. An INTEGER PRIMARY KEY is
-- the rowid itself, which VACUUM keeps (it may renumber the rowids of other tables).
-- Every environment and source gets its key when it is created (the triggers); an event
-- written for an id no row had gets one from the events repo. A key outlives its row
-- while events carry it: a deleted source's events stay listed in its environment and
-- by its id, as they were by id. Once neither row nor events are left (a purged test
-- session or environment) the key goes. Its number never comes back (AUTOINCREMENT): an
-- event the delete trigger could not see (a test-session event committed in its old
-- environment after a claim moved the source) must not join another source's list.
--
-- List statements filter by the key of the id (src/events/order-sql.ts ROWID_ORDER),
-- one probe of list_keys per statement, and walk the indexes in rowid order as before.
-- PostgreSQL keeps its indexes on the ids.
--
-- An existing database rewrites every events row once (the two key columns) and
-- rebuilds the two indexes: 11.8 s per million events of 1 KB bodies (the WAL holds
-- the rewritten table until the next checkpoint).
CREATE TABLE list_keys (
	key INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE
);

INSERT INTO list_keys (id) SELECT id FROM environments ORDER BY created_at, id;
INSERT OR IGNORE INTO list_keys (id) SELECT id FROM sources ORDER BY created_at, id;
-- Events of sources since deleted (and of ids that never had a row) keep their lists.
INSERT OR IGNORE INTO list_keys (id) SELECT DISTINCT env_id FROM events;
INSERT OR IGNORE INTO list_keys (id) SELECT DISTINCT source_id FROM events;

CREATE TRIGGER environments_list_key AFTER INSERT ON environments
BEGIN
	INSERT OR IGNORE INTO list_keys (id) VALUES (NEW.id);
END;
CREATE TRIGGER sources_list_key AFTER INSERT ON sources
BEGIN
	INSERT OR IGNORE INTO list_keys (id) VALUES (NEW.id);
END;
-- Purges delete the events first, then the rows. Sources' events are found through
-- (env_key, source_key): a source's events carry its environment's key (a claim moves both).
CREATE TRIGGER sources_list_key_gone AFTER DELETE ON sources
BEGIN
	DELETE FROM list_keys WHERE id = OLD.id AND NOT EXISTS (SELECT 1 FROM events
		WHERE env_key = (SELECT key FROM list_keys WHERE id = OLD.env_id) AND source_key = list_keys.key);
END;
CREATE TRIGGER environments_list_key_gone AFTER DELETE ON environments
BEGIN
	DELETE FROM list_keys WHERE id = OLD.id AND NOT EXISTS (SELECT 1 FROM events WHERE env_key = list_keys.key);
END;

ALTER TABLE events ADD COLUMN env_key INTEGER;
ALTER TABLE events ADD COLUMN source_key INTEGER;
DROP INDEX events_env;
DROP INDEX events_env_source;
UPDATE events SET env_key = (SELECT key FROM list_keys WHERE id = events.env_id),
	source_key = (SELECT key FROM list_keys WHERE id = events.source_id);
CREATE INDEX events_env ON events (env_key);
CREATE INDEX events_env_source ON events (env_key, source_key);
