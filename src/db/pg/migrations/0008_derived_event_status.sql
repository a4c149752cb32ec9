-- SQLite's 0021_derived_event_status.sql: an event's status is read from its deliveries, so
-- the stored copy goes, and with it the FOR UPDATE locks on events that kept it exact across
-- instances (an outcome batch now takes a KEY SHARE lock on its events: repo-pg-record.ts).
DROP TABLE event_delivery_status;
