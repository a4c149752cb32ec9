import { toIso } from '../lib/clock'
import type { ExportRow } from './repo'

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

function record(r: ExportRow) {
	const bytes = r.payload_inline ?? r.stored_body ?? new Uint8Array(0)
	let body: string
	let encoding: 'utf8' | 'base64' = 'utf8'
	try {
		body = strictUtf8.decode(bytes)
	} catch {
		body = Buffer.from(bytes).toString('base64')
		encoding = 'base64'
	}
	return {
		id: r.id, received_at: toIso(r.received_at), method: r.method, content_type: r.content_type, source_ip: r.source_ip,
		payload_size: r.payload_size, headers: JSON.parse(r.headers) as Record<string, string>,
		query_params: r.query_params === null ? null : (JSON.parse(r.query_params) as unknown), body, body_encoding: encoding, note: r.note
	}
}

const CSV_COLUMNS = ['id', 'received_at', 'method', 'content_type', 'source_ip', 'payload_size', 'headers', 'query_params', 'body', 'body_encoding', 'note'] as const

/** RFC 4180 quoting; a cell a spreadsheet would run as a formula gets a leading apostrophe. */
function csvCell(value: unknown): string {
	let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)
	if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** NDJSON (one event per line) or CSV with a header row, streamed a page at a time. */
export function exportStream(format: 'ndjson' | 'csv', page: (after: string) => Promise<ExportRow[]>): ReadableStream<Uint8Array> {
	let after = ''
	let headerSent = false
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			let text = ''
			if (format === 'csv' && !headerSent) {
				text += `${CSV_COLUMNS.join(',')}\r\n`
				headerSent = true
			}
			const rows = await page(after)
			for (const r of rows) {
				const rec = record(r)
				text += format === 'ndjson' ? `${JSON.stringify(rec)}\n` : `${CSV_COLUMNS.map((c) => csvCell(rec[c])).join(',')}\r\n`
			}
			if (text) controller.enqueue(encoder.encode(text))
			if (rows.length === 0) controller.close()
			else after = rows.at(-1)?.id ?? after
		}
	})
}
