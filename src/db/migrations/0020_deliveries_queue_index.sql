-- The per-destination queue index held every delivery ever made: each state change moved its
-- entry (queued → leased at the claim, leased → delivered at the outcome), ~100 B written into
-- the index twice per delivery, and delivered entries piled up in it although no statement
-- reads them (6.0 of 51 WAL frames per 100 deliveries: bench/delivery-frames.ts). It now
-- holds what its readers look for by destination: queued rows (the claim, the next due time)
-- and dead ones (the dead-letter list). A claim only removes an entry; a successful outcome
-- touches it no more; a retry or a dead letter adds one. Leased rows stay in deliveries_leased
-- (migration 11). SQLite uses a partial index only for statements that repeat its condition,
-- so every reader repeats it (queueIndexed() in src/delivery/repo-sql.ts). The queue gauges
-- (metrics) walk this index whole, dead rows included: less than the table they walked before.
-- PostgreSQL: its migration 7.
DROP INDEX deliveries_destination;
CREATE INDEX deliveries_destination ON deliveries (destination_id, state, due_at, id) WHERE state IN ('queued', 'dead');
