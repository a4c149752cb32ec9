-- Notification channels and alert rules (issue 12). A channel's `config` holds
-- credentials (webhook secret, Slack/Discord webhook URLs): sealed like a
-- destination's auth_config. `channel_ids` is a JSON array of channel ids.
CREATE TABLE notification_channels (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	env_id TEXT NOT NULL,
	name TEXT NOT NULL,
	channel_type TEXT NOT NULL,
	config TEXT NOT NULL,
	enabled INTEGER NOT NULL DEFAULT 1,
	last_sent_at INTEGER,
	error_count INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX notification_channels_env ON notification_channels (env_id, id);

-- `state` is 'ok' or 'firing'; `last_breach_at` is the last evaluation that saw
-- the condition (auto-resolve counts from it).
CREATE TABLE alert_rules (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL,
	env_id TEXT NOT NULL,
	name TEXT NOT NULL,
	description TEXT,
	enabled INTEGER NOT NULL DEFAULT 1,
	rule_type TEXT NOT NULL,
	rule_config TEXT NOT NULL,
	source_id TEXT,
	destination_id TEXT,
	channel_ids TEXT NOT NULL DEFAULT '[]',
	cooldown_minutes INTEGER NOT NULL DEFAULT 60,
	last_triggered_at INTEGER,
	trigger_count INTEGER NOT NULL DEFAULT 0,
	state TEXT NOT NULL DEFAULT 'ok',
	last_breach_at INTEGER,
	last_evaluated_at INTEGER,
	last_value REAL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX alert_rules_env ON alert_rules (env_id, id);
