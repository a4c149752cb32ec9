import { sendHttp } from '../delivery/outbound'
import type { OutboundGuard } from '../delivery/ssrf'
import type { EventRow } from '../events/repo'
import type { Logger } from '../lib/log'

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length'])

/**
 * A test session's real-time forwarding: the event as received (method, headers
 * less hop-by-hop ones, exact body) to the session's URL, once, through the
 * deliveries' outbound path (SSRF guard, timeout, no redirects). Best effort:
 * a session is a debugging tool, not a delivery pipeline with retries.
 */
export async function relay(url: string, row: EventRow, body: Uint8Array, guard: OutboundGuard, log: Logger): Promise<void> {
	const headers: Record<string, string> = {}
	for (const [k, v] of Object.entries(JSON.parse(row.headers) as Record<string, string>)) if (!HOP_BY_HOP.has(k)) headers[k] = v
	headers['x-hookstream-event-id'] = row.id
	const method = row.method === 'GET' || row.method === 'WEBSOCKET' ? 'POST' : row.method
	const result = await sendHttp({ url, method, headers, body, timeoutMs: 10_000 }, guard)
	if (result.error) log.warn('test session forward failed', { event_id: row.id, error: result.error })
}
