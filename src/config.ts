import { resolve } from 'node:path'
import { parseRange } from './lib/cidr'
import { ConfigError } from './lib/errors'
import type { LogLevel } from './lib/log'

/**
 * Every setting in one table: the flag, its HOOKSTREAM_* env twin, the default
 * and the help text all come from here, so `--help`, the README table and the
 * parser cannot drift apart. Precedence: default < env < flag.
 */
type Kind = 'int' | 'string' | 'bool' | 'list' | 'enum'

interface OptionSpec {
	flag: string
	kind: Kind
	default: number | string | boolean | string[] | null
	help: string
	min?: number
	max?: number
	choices?: readonly string[]
}

export const OPTIONS = {
	port: { flag: 'port', kind: 'int', default: 8080, min: 0, max: 65535, help: 'TCP port to listen on (0 = any free port)' },
	host: { flag: 'host', kind: 'string', default: '0.0.0.0', help: 'Address to bind' },
	dataDir: { flag: 'data-dir', kind: 'string', default: './data', help: 'Directory for the SQLite database, the encryption key and the lock of the server using them' },
	databaseUrl: { flag: 'database-url', kind: 'string', default: null, help: 'postgres://user:pass@host:5432/db selects PostgreSQL (14 or later) instead of SQLite in --data-dir; several instances may share it (requires --encryption-key)' },
	databasePoolSize: { flag: 'database-pool-size', kind: 'int', default: 10, min: 1, max: 500, help: 'PostgreSQL connections per instance (one more is opened for LISTEN); mind the server\'s max_connections across instances' },
	publicUrl: { flag: 'public-url', kind: 'string', default: null, help: 'Public base URL used in ingest URLs and Twilio signatures (default: the request host)' },
	maxBodyBytes: { flag: 'max-body-bytes', kind: 'int', default: 1048576, min: 1024, max: 104857600, help: 'Largest accepted request body in bytes (413 above it)' },
	maxHeaderBytes: { flag: 'max-header-bytes', kind: 'int', default: 65536, min: 4096, max: 1048576, help: 'Largest accepted request head (request line and headers) in bytes; above it the runtime answers 431 with an empty body' },
	maxSources: { flag: 'max-sources', kind: 'int', default: null, min: 0, help: 'Quota: sources per environment (unset = unlimited)' },
	maxEnvironments: { flag: 'max-environments', kind: 'int', default: null, min: 1, help: 'Quota: environments per organization (unset = unlimited)' },
	allowSignup: { flag: 'allow-signup', kind: 'bool', default: false, help: 'Let anyone create an account (and their own organization) at /api/auth/sign-up/email; off: invitations only' },
	maxDestinations: { flag: 'max-destinations', kind: 'int', default: null, min: 0, help: 'Quota: destinations per environment (unset = unlimited)' },
	retentionDays: { flag: 'retention-days', kind: 'int', default: 30, min: 1, max: 3650, help: 'Days to keep events' },
	trustedProxies: { flag: 'trusted-proxies', kind: 'list', default: [], help: 'Comma-separated IPs/CIDRs whose X-Forwarded-For is trusted' },
	allowPrivateDestinations: { flag: 'allow-private-destinations', kind: 'bool', default: false, help: 'Allow deliveries to private, loopback, link-local and metadata addresses' },
	deliveryConcurrency: { flag: 'delivery-concurrency', kind: 'int', default: 64, min: 1, max: 10000, help: 'Delivery attempts in flight across all destinations' },
	destinationConcurrency: { flag: 'destination-concurrency', kind: 'int', default: 8, min: 1, max: 1000, help: 'Delivery attempts in flight per destination (1 = strictly in order)' },
	shutdownGraceMs: { flag: 'shutdown-grace-ms', kind: 'int', default: 10000, min: 0, max: 600000, help: 'On SIGTERM, how long in-flight deliveries may finish before they are released' },
	retryUnitMs: { flag: 'retry-unit-ms', kind: 'int', default: 1000, min: 1, max: 1000, help: 'Milliseconds per second of retry_intervals (lower it only in tests)' },
	destinationLeaseMs: { flag: 'destination-lease-ms', kind: 'int', default: 15000, min: 100, max: 600000, help: 'Several instances on PostgreSQL: how long an instance owns a destination without renewing (renewed every third of it); the destinations of an instance that died move to another after it' },
	housekeepingIntervalMs: { flag: 'housekeeping-interval-ms', kind: 'int', default: 60000, min: 10, max: 3600000, help: 'How often retention, issue auto-resolve and the expired-lease sweep run (lower it only in tests)' },
	encryptionKey: { flag: 'encryption-key', kind: 'string', default: null, help: 'Base64 32-byte key for secrets at rest (default: generated into <data-dir>/secret.key)' },
	sqliteSynchronous: { flag: 'sqlite-synchronous', kind: 'enum', default: 'NORMAL', choices: ['NORMAL', 'FULL'], help: 'SQLite synchronous mode; FULL also survives power loss' },
	logLevel: { flag: 'log-level', kind: 'enum', default: 'info', choices: ['debug', 'info', 'warn', 'error', 'silent'], help: 'Minimum log level' },
	accessLog: { flag: 'access-log', kind: 'bool', default: true, help: 'Write one JSON line per HTTP request' },
	liveHeartbeatMs: { flag: 'live-heartbeat-ms', kind: 'int', default: 10000, min: 50, max: 60000, help: 'Heartbeat interval of /v1/ws and /v1/events/stream (clients treat 2.5 intervals of silence as a dead connection)' },
	testSessionTtlSeconds: { flag: 'test-session-ttl-seconds', kind: 'int', default: 1209600, min: 1, max: 31536000, help: 'Lifetime of a test session (ingest answers 410 after it)' },
	testSessionRequestLimit: { flag: 'test-session-request-limit', kind: 'int', default: 2000, min: 1, max: 10000000, help: 'Requests a test session accepts (429 after them)' },
	testSessionsPerIpHour: { flag: 'test-sessions-per-ip-hour', kind: 'int', default: 10, min: 1, max: 100000, help: 'Test sessions one client address may create per hour' },
	liveMaxBufferedBytes: { flag: 'live-max-buffered-bytes', kind: 'int', default: 4194304, min: 65536, max: 268435456, help: 'A live client with more than this many bytes still unsent at a heartbeat (or 8 times as many at any time) is disconnected; it resumes with since' },
	// Operations (issue 12): Prometheus, alerts, API rate limits.
	metricsToken: { flag: 'metrics-token', kind: 'string', default: null, help: 'Bearer token GET /metrics requires (unset = open, e.g. behind a private network)' },
	alertIntervalSeconds: { flag: 'alert-interval-seconds', kind: 'int', default: 300, min: 1, max: 86400, help: 'How often alert rules are evaluated' },
	smtpUrl: { flag: 'smtp-url', kind: 'string', default: null, help: 'SMTP server for email notification channels: smtp://[user:pass@]host:port[?from=alerts@example.com]' },
	apiRateLimit: { flag: 'api-rate-limit', kind: 'int', default: 6000, min: 1, max: 10000000, help: 'API requests per minute per API key (or signed-in user); 429 above it' }
} as const satisfies Record<string, OptionSpec>

export type OptionName = keyof typeof OPTIONS

export interface Config {
	port: number
	host: string
	dataDir: string
	databaseUrl: string | null
	databasePoolSize: number
	publicUrl: string | null
	maxBodyBytes: number
	maxHeaderBytes: number
	maxSources: number | null
	maxDestinations: number | null
	maxEnvironments: number | null
	allowSignup: boolean
	retentionDays: number
	trustedProxies: string[]
	allowPrivateDestinations: boolean
	deliveryConcurrency: number
	destinationConcurrency: number
	shutdownGraceMs: number
	retryUnitMs: number
	housekeepingIntervalMs: number
	destinationLeaseMs: number
	encryptionKey: string | null
	sqliteSynchronous: 'NORMAL' | 'FULL'
	logLevel: LogLevel
	accessLog: boolean
	liveHeartbeatMs: number
	liveMaxBufferedBytes: number
	testSessionTtlSeconds: number
	testSessionRequestLimit: number
	testSessionsPerIpHour: number
	metricsToken: string | null
	alertIntervalSeconds: number
	smtpUrl: string | null
	apiRateLimit: number
}

// Lives in lib/ so lib code (the key file) can throw it; re-exported for the CLI.
export { ConfigError }

export function envName(name: OptionName): string {
	return `HOOKSTREAM_${OPTIONS[name].flag.toUpperCase().replaceAll('-', '_')}`
}

/** The words a boolean setting accepts, on the command line (`--x=<word>`) and in its env twin. */
export function parseBoolean(raw: string): boolean | undefined {
	if (/^(1|true|yes|on)$/i.test(raw)) return true
	if (/^(0|false|no|off)$/i.test(raw)) return false
	return undefined
}

function parseValue(name: OptionName, raw: string | boolean, origin: string): unknown {
	const spec: OptionSpec = OPTIONS[name]
	if (spec.kind === 'bool') {
		const on = typeof raw === 'boolean' ? raw : parseBoolean(raw)
		if (on === undefined) throw new ConfigError(`${origin}: expected true or false, got "${raw}"`)
		return on
	}
	const text = String(raw)
	if (spec.kind === 'int') {
		if (!/^\d+$/.test(text)) throw new ConfigError(`${origin}: expected a whole number, got "${text}"`)
		const n = Number(text)
		if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
			throw new ConfigError(`${origin}: must be between ${spec.min ?? '-∞'} and ${spec.max ?? '∞'}`)
		}
		return n
	}
	if (spec.kind === 'list') return text.split(',').map((s) => s.trim()).filter(Boolean)
	if (spec.kind === 'enum' && !spec.choices?.includes(text)) {
		throw new ConfigError(`${origin}: must be one of ${spec.choices?.join(', ')}, got "${text}"`)
	}
	return text
}

/**
 * Resolves the config once at start; nothing reads process.env after this.
 * `flags` holds parsed CLI values keyed by flag name (e.g. `data-dir`).
 */
export function resolveConfig(
	flags: Record<string, string | boolean | undefined>,
	env: Record<string, string | undefined> = process.env
): Readonly<Config> {
	const out: Record<string, unknown> = {}
	for (const name of Object.keys(OPTIONS) as OptionName[]) {
		const spec: OptionSpec = OPTIONS[name]
		let value: unknown = spec.default
		const fromEnv = env[envName(name)]
		if (fromEnv !== undefined && fromEnv !== '') value = parseValue(name, fromEnv, envName(name))
		const fromFlag = flags[spec.flag]
		if (fromFlag !== undefined) value = parseValue(name, fromFlag, `--${spec.flag}`)
		out[name] = value
	}
	const config = out as unknown as Config
	config.dataDir = resolve(config.dataDir)
	if (config.publicUrl) config.publicUrl = validatePublicUrl(config.publicUrl)
	for (const entry of config.trustedProxies) {
		if (!parseRange(entry)) throw new ConfigError(`--trusted-proxies: '${entry}' is not an IP address or CIDR range`)
	}
	if (config.databaseUrl !== null) validateDatabaseUrl(config)
	if (config.encryptionKey !== null && Buffer.from(config.encryptionKey, 'base64').length !== 32) {
		throw new ConfigError('--encryption-key: expected 32 bytes, base64-encoded (e.g. openssl rand -base64 32)')
	}
	return Object.freeze(config)
}

/** Every instance on one PostgreSQL database must seal and open secrets with the same key. */
function validateDatabaseUrl(config: Config): void {
	let scheme = ''
	try {
		scheme = new URL(config.databaseUrl as string).protocol
	} catch {}
	if (scheme !== 'postgres:' && scheme !== 'postgresql:') throw new ConfigError('--database-url: expected postgres://user:password@host:5432/database')
	if (config.encryptionKey === null) {
		throw new ConfigError('--database-url needs --encryption-key (HOOKSTREAM_ENCRYPTION_KEY): every instance must use the same key to read the secrets stored in the database (openssl rand -base64 32)')
	}
}

function validatePublicUrl(url: string): string {
	try {
		const parsed = new URL(url)
		if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error()
		return parsed.origin + parsed.pathname.replace(/\/+$/, '')
	} catch {
		throw new ConfigError(`--public-url: expected an http(s) URL, got "${url}"`)
	}
}

/** Help lines for `--help`: flag, env twin, default. */
export function describeOptions(): string[] {
	return (Object.keys(OPTIONS) as OptionName[]).map((name) => {
		const spec: OptionSpec = OPTIONS[name]
		const def = Array.isArray(spec.default) ? spec.default.join(',') || '(none)' : spec.default ?? '(none)'
		const usage = spec.kind === 'bool' ? `--${spec.flag}[=true|false], --no-${spec.flag}` : `--${spec.flag}${spec.kind === 'enum' ? ` <${spec.choices?.join('|')}>` : ' <value>'}`
		return `  ${usage}\n      ${spec.help}\n      env ${envName(name)}, default ${def}`
	})
}
