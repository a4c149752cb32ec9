/**
 * The reference servers' access log: hookstream's own logger (src/lib/log.ts), one JSON line per
 * request, buffered and written to stdout once per event-loop turn, as hookstream's ingest writes it.
 */
import { createLogger } from '../../src/lib/log'
import { INGEST_ROUTE } from '../../src/http/ingest'

const log = createLogger('info')

/** Logs the ingest request answered 200 after `started` (a performance.now()), as src/http/ingest.ts does. */
export function logIngest(requestId: string, started: number): void {
	log.access(requestId, 'POST', INGEST_ROUTE, 200, Math.round((performance.now() - started) * 100) / 100)
}
