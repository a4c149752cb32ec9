-- SQLite's 0021_derived_event_status.sql: an event's status is read from its deliveries, so
-- the stored copy, and the event locks that kept it exact across instances, go.
DROP TABLE event_delivery_status;
