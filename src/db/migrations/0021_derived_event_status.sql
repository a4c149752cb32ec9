-- An event's status is read from its deliveries (src/events/repo-sql.ts STATUS) instead of
-- kept in event_delivery_status (migration 15): writing it cost every delivery outcome a
-- row in a second b-tree and a read of the event's deliveries inside the outcome's
-- transaction (~1 µs of the JS thread and 9 % of the WAL bytes per delivery:
-- bench/delivery-frames.ts), and every other change of the deliveries (retries, replays,
-- a deleted destination) had to remember to rewrite it. The status it held is what the
-- deliveries give, so the table goes without a copy; events settled before migration 15
-- keep their status in events.status, which deliveries still override as they did.
-- PostgreSQL: its migration 8.
DROP TABLE event_delivery_status;
