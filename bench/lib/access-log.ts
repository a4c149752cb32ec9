/**
 * The reference servers' access log, as hookstream writes its own (src/lib/log.ts): one JSON line
 * per request, buffered and written to stdout once per event-loop turn.
 */
let lines: string[] = []
const stdout = Bun.stdout.writer()

/** Buffers the ingest request's access-log line (answered 200 after `started`, a performance.now()). */
export function logIngest(requestId: string, started: number): void {
	if (lines.length === 0)
		setImmediate(() => {
			stdout.write(lines.join(''))
			void stdout.flush()
			lines = []
		})
	lines.push(
		`{"time":"${new Date().toISOString()}","level":"info","msg":"request","request_id":"${requestId}","method":"POST","route":"/v1/ingest/:source_id","status":200,"duration_ms":${Math.round(performance.now() - started)}}\n`
	)
}
