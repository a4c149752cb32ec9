-- Every state change of a delivery (queued → leased → delivered) moved an entry in each index
-- keyed by state. `deliveries_due` served no query (the queue is read per destination through
-- `deliveries_destination`), and the sweeper only looks at leased rows: a partial index holds
-- just those, so ingest adds no entry to it and a finished delivery leaves it.
DROP INDEX IF EXISTS deliveries_due;
DROP INDEX IF EXISTS deliveries_lease;
CREATE INDEX IF NOT EXISTS deliveries_leased ON deliveries (lease_expires_at, lease_owner) WHERE state = 'leased';
