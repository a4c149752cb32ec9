import { useState } from 'preact/hooks'
import { CopyButton } from '../ui'

function bytesOf(body: string, encoding: 'utf8' | 'base64'): Uint8Array {
	if (encoding === 'utf8') return new TextEncoder().encode(body)
	const bin = atob(body)
	const out = new Uint8Array(bin.length)
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
	return out
}

/** Classic 16-bytes-a-line dump; the first 64 KB (a longer body is there to download). */
function hexDump(bytes: Uint8Array): string {
	const lines: string[] = []
	const end = Math.min(bytes.length, 65536)
	for (let i = 0; i < end; i += 16) {
		const row = bytes.subarray(i, Math.min(i + 16, end))
		const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ')
		const text = [...row].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('')
		lines.push(`${i.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${text}`)
	}
	if (bytes.length > end) lines.push(`… ${bytes.length - end} more bytes: download the body`)
	return lines.join('\n')
}

function prettyJson(body: string): string | null {
	try {
		return JSON.stringify(JSON.parse(body), null, 2)
	} catch {
		return null
	}
}

/** The body as received: pretty JSON when it parses, the exact text, a hex dump, base64 for binary. */
export function BodyView({ body, encoding, contentType, download }: { body: string; encoding: 'utf8' | 'base64'; contentType: string | null; download: string }) {
	const json = encoding === 'utf8' ? prettyJson(body) : null
	const views = [...(json ? ['pretty'] : []), ...(encoding === 'utf8' ? ['raw'] : ['base64']), 'hex']
	const [view, setView] = useState(views[0] as string)
	const text = view === 'pretty' ? (json as string) : view === 'hex' ? hexDump(bytesOf(body, encoding)) : body
	return (
		<div class="body-view">
			<div class="row" role="tablist" aria-label="Body view">
				{views.map((v) => (
					<button key={v} type="button" role="tab" aria-selected={view === v} class={`btn small ${view === v ? 'primary' : ''}`} onClick={() => setView(v)}>{v}</button>
				))}
				<span class="muted">{contentType ?? 'no content type'}{encoding === 'base64' ? ' · binary' : ''}</span>
				<CopyButton text={encoding === 'utf8' ? body : body} label="Copy body" />
				<a class="btn small" href={download} download>Download</a>
			</div>
			<pre class="code" tabIndex={0} aria-label="Event body" data-testid={`body-${view}`}>{text}</pre>
		</div>
	)
}
