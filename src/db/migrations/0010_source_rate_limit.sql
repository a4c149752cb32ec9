-- Per-source ingest rate limit (issue 12): requests per second, null = unlimited.
ALTER TABLE sources ADD COLUMN rate_limit_per_second INTEGER;
