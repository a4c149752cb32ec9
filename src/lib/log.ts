/** Structured JSON logs, one object per line. Callers must never pass secrets or API keys. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export interface Logger {
	debug(msg: string, fields?: Record<string, unknown>): void
	info(msg: string, fields?: Record<string, unknown>): void
	warn(msg: string, fields?: Record<string, unknown>): void
	error(msg: string, fields?: Record<string, unknown>): void
	flush(): void
}

/**
 * Lines are buffered and written once per tick: a write syscall per access-log
 * line would cost more than the ingest request it describes.
 */
export function createLogger(level: LogLevel, write: (chunk: string) => void = (s) => process.stdout.write(s)): Logger {
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

	const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
		if (ORDER[lvl] < min) return
		buffer.push(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields })}\n`)
		if (!scheduled) {
			scheduled = true
			setImmediate(flush)
		}
	}

	return {
		debug: (m, f) => emit('debug', m, f),
		info: (m, f) => emit('info', m, f),
		warn: (m, f) => emit('warn', m, f),
		error: (m, f) => emit('error', m, f),
		flush
	}
}

/** For tests and CLI one-shots that must not print. */
export const silentLogger: Logger = createLogger('silent')
