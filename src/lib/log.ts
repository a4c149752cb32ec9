/** Structured JSON logs, one object per line. Callers must never pass secrets or API keys. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export interface Logger {
	debug(msg: string, fields?: Record<string, unknown>): void
	info(msg: string, fields?: Record<string, unknown>): void
	warn(msg: string, fields?: Record<string, unknown>): void
	error(msg: string, fields?: Record<string, unknown>): void
	/** One access-log line (info level), built without an intermediate object: it runs per request. */
	access(requestId: string, method: string, route: string, status: number, durationMs: number | null): void
	flush(): void
}

// Many lines share a millisecond under load; format its timestamp once.
let isoMs = 0
let isoText = ''
function isoNow(): string {
	const ms = Date.now()
	if (ms !== isoMs) {
		isoMs = ms
		isoText = new Date(ms).toISOString()
	}
	return isoText
}

/**
 * Lines are buffered and written once per tick: a write syscall per access-log
 * line would cost more than the ingest request it describes.
 */
/** stdout through Bun's buffered file sink: a Node-style stream write per tick costs more than the lines. */
function stdoutSink(): (chunk: string) => void {
	const sink = Bun.stdout.writer()
	return (chunk) => {
		sink.write(chunk)
		void sink.flush()
	}
}

export function createLogger(level: LogLevel, write: (chunk: string) => void = stdoutSink()): Logger {
	const min = ORDER[level]
	let buffer: string[] = []
	let scheduled = false

	const flush = () => {
		scheduled = false
		if (buffer.length === 0) return
		const chunk = buffer.join('')
		buffer = []
		write(chunk)
	}

	const push = (line: string) => {
		buffer.push(line)
		if (!scheduled) {
			scheduled = true
			setImmediate(flush)
		}
	}

	const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
		if (ORDER[lvl] < min) return
		push(`${JSON.stringify({ time: isoNow(), level: lvl, msg, ...fields })}\n`)
	}

	return {
		debug: (m, f) => emit('debug', m, f),
		info: (m, f) => emit('info', m, f),
		warn: (m, f) => emit('warn', m, f),
		error: (m, f) => emit('error', m, f),
		access(requestId, method, route, status, durationMs) {
			if (ORDER.info < min) return
			// request ids and methods are token characters; the route may echo a client's path, so it is escaped.
			push(`{"time":"${isoNow()}","level":"info","msg":"request","request_id":"${requestId}","method":${JSON.stringify(method)},"route":${JSON.stringify(route)},"status":${status},"duration_ms":${durationMs}}\n`)
		},
		flush
	}
}

/** For tests and CLI one-shots that must not print. */
export const silentLogger: Logger = createLogger('silent')
