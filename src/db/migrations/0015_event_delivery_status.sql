-- The status an event's deliveries give it (pending, delivered, failed, partial), kept
-- beside the event rather than in it: the events row carries its body inline, so
-- setting its status on every delivery outcome rewrote ~1.5 KB per event. A row here is
-- ~50 bytes and ids are time-ordered, so a drain appends near the right edge of a small
-- b-tree. events.status keeps what ingest decided; the API shows
-- COALESCE(event_delivery_status.status, events.status), so events settled before this
-- table existed (their status already in events) need no backfill.
CREATE TABLE event_delivery_status (
	event_id TEXT PRIMARY KEY,
	status TEXT NOT NULL
) WITHOUT ROWID;
