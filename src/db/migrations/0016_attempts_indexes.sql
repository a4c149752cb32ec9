-- Every delivery inserts one attempt row, and with it an entry in each of the table's
-- b-trees: the id index and four (…, id) indexes, ~30 of the ~116 WAL frames a hundred
-- deliveries wrote (bench/delivery-frames.ts). An index entry of a rowid table ends in the
-- rowid anyway, and attempts are inserted in about id order, so (env_id), (event_id) and
-- (destination_id) serve newest-first pages by rowid with half-size entries; attempt lists
-- order by rowid and turn an id cursor into a rowid bound (src/attempts/repo-sql.ts, through
-- src/events/order-sql.ts). No query looks attempts up by delivery alone: a delivery's
-- attempts are found through its event's, so attempts_delivery goes. The id index stays
-- (an attempt by id, issues' recent attempts, metrics' id ranges). The table is untouched;
-- an existing database rebuilds three indexes. PostgreSQL keeps its (…, id) indexes.
DROP INDEX attempts_env;
DROP INDEX attempts_event;
DROP INDEX attempts_delivery;
DROP INDEX attempts_destination;
CREATE INDEX attempts_env ON delivery_attempts (env_id);
CREATE INDEX attempts_event ON delivery_attempts (event_id);
CREATE INDEX attempts_destination ON delivery_attempts (destination_id);
