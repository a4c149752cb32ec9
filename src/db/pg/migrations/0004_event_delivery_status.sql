-- The status an event's deliveries give it, beside the event (SQLite 0015_event_delivery_status.sql):
-- updating events.status copied the whole row (body inline) and its index entries per outcome.
CREATE TABLE event_delivery_status (
	event_id TEXT PRIMARY KEY,
	status TEXT NOT NULL
);
