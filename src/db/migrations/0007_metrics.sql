-- Metrics rollups (issue 12). A background job folds new events and delivery
-- attempts into hourly and daily buckets past a durable watermark, so ingest
-- and delivery pay nothing. `span` is 'hour' or 'day'; `bucket` is the bucket's
-- start in epoch ms (UTC). Latency is a fixed histogram: `counts` is a JSON
-- array of counts, one per bound of src/metrics/histogram.ts and a last one for
-- longer, merged by adding counts.
CREATE TABLE metric_volume (
	env_id TEXT NOT NULL,
	span TEXT NOT NULL,
	bucket INTEGER NOT NULL,
	source_id TEXT NOT NULL,
	event_count INTEGER NOT NULL,
	PRIMARY KEY (env_id, span, bucket, source_id)
);

CREATE TABLE metric_deliveries (
	env_id TEXT NOT NULL,
	span TEXT NOT NULL,
	bucket INTEGER NOT NULL,
	destination_id TEXT NOT NULL,
	delivery_count INTEGER NOT NULL,
	success_count INTEGER NOT NULL,
	failure_count INTEGER NOT NULL,
	dlq_count INTEGER NOT NULL,
	PRIMARY KEY (env_id, span, bucket, destination_id)
);

CREATE TABLE metric_latency (
	env_id TEXT NOT NULL,
	span TEXT NOT NULL,
	bucket INTEGER NOT NULL,
	destination_id TEXT NOT NULL,
	counts TEXT NOT NULL,
	PRIMARY KEY (env_id, span, bucket, destination_id)
);

CREATE TABLE metric_errors (
	env_id TEXT NOT NULL,
	span TEXT NOT NULL,
	bucket INTEGER NOT NULL,
	destination_id TEXT NOT NULL,
	error_type TEXT NOT NULL,
	count INTEGER NOT NULL,
	PRIMARY KEY (env_id, span, bucket, destination_id, error_type)
);

-- How far each rollup has read: every row with a smaller id is in the buckets.
CREATE TABLE metric_watermarks (
	name TEXT PRIMARY KEY,
	last_id TEXT NOT NULL
);
