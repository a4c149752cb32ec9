-- The delivery worker read a claim's rows, then their events' payloads in a second statement,
-- by the seqs their event ids spell (src/events/seq-sql.ts seqIn: ids and seqs bound as JSON,
-- read back through json_each, and the rows matched up in JS). Each delivery now carries its
-- event's seq, written with it by ingest and replay, and SQLite's claim reads the payload in
-- the same statement, joined by that seq (src/delivery/repo-queue.ts): ~1.1 µs less of the JS
-- thread per delivery in the delivery contract floor (BENCHMARKS.md, Delivery, fifteenth session).
-- The column is a key for that join, not a link: a delivery without one (closed before this
-- migration and retried since, or written by another tool) has its payload read after the claim
-- in a second statement, as before.
-- Open deliveries get their event's seq here: its own in event_seqs, else the one its id spells
-- (the hex read digit by digit, as migration 22 reads it); one whose event is gone stays NULL.
-- The update reads the whole table (no index leads with the state) and writes the open rows only:
-- 0.12 s for 500,000 deliveries of which 20,000 open (a `/tmp` script, the checkpoint after it included).
-- PostgreSQL finds events by id and has no such column.
ALTER TABLE deliveries ADD COLUMN event_seq INTEGER;

UPDATE deliveries SET event_seq = (
	SELECT e.seq FROM events e WHERE e.id = deliveries.event_id AND e.seq = COALESCE(
		(SELECT s.seq FROM event_seqs s WHERE s.id = deliveries.event_id),
		CASE WHEN deliveries.event_id GLOB 'evt_[0-7][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
			THEN (instr('0123456789abcdef', substr(deliveries.event_id, 5, 1)) - 1) * 1152921504606846976 + (instr('0123456789abcdef', substr(deliveries.event_id, 6, 1)) - 1) * 72057594037927936 + (instr('0123456789abcdef', substr(deliveries.event_id, 7, 1)) - 1) * 4503599627370496 + (instr('0123456789abcdef', substr(deliveries.event_id, 8, 1)) - 1) * 281474976710656 + (instr('0123456789abcdef', substr(deliveries.event_id, 9, 1)) - 1) * 17592186044416 + (instr('0123456789abcdef', substr(deliveries.event_id, 10, 1)) - 1) * 1099511627776 + (instr('0123456789abcdef', substr(deliveries.event_id, 11, 1)) - 1) * 68719476736 + (instr('0123456789abcdef', substr(deliveries.event_id, 12, 1)) - 1) * 4294967296 + (instr('0123456789abcdef', substr(deliveries.event_id, 13, 1)) - 1) * 268435456 + (instr('0123456789abcdef', substr(deliveries.event_id, 14, 1)) - 1) * 16777216 + (instr('0123456789abcdef', substr(deliveries.event_id, 15, 1)) - 1) * 1048576 + (instr('0123456789abcdef', substr(deliveries.event_id, 16, 1)) - 1) * 65536 + (instr('0123456789abcdef', substr(deliveries.event_id, 17, 1)) - 1) * 4096 + (instr('0123456789abcdef', substr(deliveries.event_id, 18, 1)) - 1) * 256 + (instr('0123456789abcdef', substr(deliveries.event_id, 19, 1)) - 1) * 16 + (instr('0123456789abcdef', substr(deliveries.event_id, 20, 1)) - 1) * 1 END))
WHERE state IN ('queued', 'leased');
