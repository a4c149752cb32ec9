-- Destination ownership leases (issue 15): with several instances on one database, each
-- destination is served by one instance at a time, so its concurrency limit, FIFO order and
-- circuit breaker keep their in-memory meaning. The owner renews its lease on a heartbeat;
-- a dead owner's destinations are taken over once lease_until (epoch ms) has passed.
-- SQLite runs one instance, which always wins.
CREATE TABLE IF NOT EXISTS destination_leases (
	destination_id TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	lease_until INTEGER NOT NULL
);
