import { useEffect, useRef, useState } from 'preact/hooks'
import { get, patch, post } from '../api'
import { usePolling } from '../live'
import { CopyButton, Empty, ErrorBox, Field, Loading, navigate, Page, Pre, Time, useAction, useLoad } from '../ui'
import { BodyView } from './body-view'

/**
 * The public test-session inspector (hookstream.io's browser inspector): anyone
 * with the session id sees its requests live, no sign-in. New requests arrive
 * over /v1/ws/test/<id>; without the socket the page polls.
 */
interface Session {
	id: string
	url: string
	expires_at: string | null
	request_limit: number | null
	request_count: number
	response: { status_code: number; content_type: string; body: string } | null
	forwarding: { url: string | null; enabled: boolean } | null
}
interface SessionEvent { id: string; method: string; headers: string | Record<string, string>; content_type: string | null; payload_size: number; received_at: string }
interface Full { id: string; body: string; body_encoding: 'utf8' | 'base64'; headers?: unknown; query_params?: unknown }

type FeedState = 'connecting' | 'live' | 'off'

/** The session's own feed: every `event` frame carries the whole request, body included. */
function useTestFeed(id: string, onEvent: (e: Full) => void): FeedState {
	const [state, setState] = useState<FeedState>('connecting')
	const handler = useRef(onEvent)
	handler.current = onEvent
	useEffect(() => {
		const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws/test/${encodeURIComponent(id)}`)
		socket.onmessage = (m) => {
			try {
				const msg = JSON.parse(String(m.data)) as { type: string; data?: Full }
				if (msg.type === 'welcome') setState('live')
				else if (msg.type === 'event' && msg.data) handler.current(msg.data)
			} catch {}
		}
		socket.onclose = () => setState('off')
		return () => socket.close()
	}, [id])
	return state
}

const headersOf = (h: unknown): [string, string][] => {
	const obj = typeof h === 'string' ? (() => { try { return JSON.parse(h) } catch { return {} } })() : h
	return Object.entries((obj ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])
}

function RequestDetail({ sessionId, event, full }: { sessionId: string; event: SessionEvent; full: Full | undefined }) {
	// A request from before the page opened: its body comes from the session's export.
	const exported = useLoad(async () => {
		if (full) return full
		const res = await fetch(`/v1/test/sessions/${encodeURIComponent(sessionId)}/export?format=ndjson`)
		if (!res.ok) throw new Error(`Could not load the body (${res.status})`)
		const rows = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Full)
		return rows.find((r) => r.id === event.id) ?? null
	}, [event.id])
	const body = exported.data
	return (
		<div class="card" data-testid="request-detail" aria-labelledby="request-title">
			<h2 id="request-title">{event.method} · <Time iso={event.received_at} /></h2>
			<p class="muted mono">{event.id} · {event.content_type ?? 'no content type'} · {event.payload_size} bytes</p>
			<h3>Headers</h3>
			<table class="table kv"><tbody>{headersOf(event.headers).map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td class="mono">{v}</td></tr>)}</tbody></table>
			<h3>Body</h3>
			<ErrorBox error={exported.error} />
			{body ? <BodyView body={body.body} encoding={body.body_encoding} contentType={event.content_type} download={`${event.id}.bin`} /> : <Loading loaded={exported} />}
		</div>
	)
}

function ResponseForm({ s, onSaved }: { s: Session; onSaved: () => void }) {
	const [f, setF] = useState({ status: String(s.response?.status_code ?? 200), type: s.response?.content_type ?? 'text/plain', body: s.response?.body ?? '' })
	const save = useAction(async () => {
		await patch(`/v1/test/sessions/${s.id}/response`, { status_code: Number(f.status), content_type: f.type, body: f.body })
		onSaved()
	})
	return (
		<form class="card" aria-labelledby="response-title" onSubmit={(e) => { e.preventDefault(); save.run() }}>
			<h2 id="response-title">Custom response</h2>
			<p class="muted">What senders get back from the URL.</p>
			<div class="row">
				<Field label="Status code"><input type="number" min={200} max={599} required value={f.status} onInput={(e) => setF({ ...f, status: (e.target as HTMLInputElement).value })} /></Field>
				<Field label="Content type"><input required value={f.type} onInput={(e) => setF({ ...f, type: (e.target as HTMLInputElement).value })} /></Field>
			</div>
			<Field label="Response body"><textarea rows={3} value={f.body} onInput={(e) => setF({ ...f, body: (e.target as HTMLTextAreaElement).value })} /></Field>
			<ErrorBox error={save.error} />
			<button type="submit" class="btn" disabled={save.busy}>Save response</button>
			{s.response ? <p class="notice ok" role="status">Senders get {s.response.status_code} ({s.response.content_type})</p> : null}
		</form>
	)
}

function ForwardingForm({ s, onSaved }: { s: Session; onSaved: () => void }) {
	const [f, setF] = useState({ url: s.forwarding?.url ?? '', enabled: s.forwarding?.enabled ?? false })
	const save = useAction(async () => {
		await patch(`/v1/test/sessions/${s.id}/forwarding`, { url: f.url || null, enabled: f.enabled })
		onSaved()
	})
	return (
		<form class="card" aria-labelledby="forwarding-title" onSubmit={(e) => { e.preventDefault(); save.run() }}>
			<h2 id="forwarding-title">Forwarding</h2>
			<p class="muted">Relay each request, as received, to another URL (your local service behind a tunnel, say).</p>
			<Field label="Forward to"><input type="url" placeholder="https://example.com/hook" value={f.url} onInput={(e) => setF({ ...f, url: (e.target as HTMLInputElement).value })} /></Field>
			<label class="check"><input type="checkbox" checked={f.enabled} onChange={(e) => setF({ ...f, enabled: (e.target as HTMLInputElement).checked })} /> Forwarding enabled</label>
			<ErrorBox error={save.error} />
			<button type="submit" class="btn" disabled={save.busy}>Save forwarding</button>
			{s.forwarding?.enabled ? <p class="notice ok" role="status">Forwarding to {s.forwarding.url}</p> : null}
		</form>
	)
}

export function TestInspector({ id }: { id: string }) {
	const loaded = useLoad(() => get<{ session: Session; events: SessionEvent[] }>(`/v1/test/sessions/${encodeURIComponent(id)}`, { limit: 100 }), [id])
	const [bodies] = useState(() => new Map<string, Full>())
	const [selected, setSelected] = useState<string | null>(null)
	const feed = useTestFeed(id, (e) => {
		bodies.set(e.id, e)
		loaded.reload()
	})
	usePolling(loaded.reload, 3000, feed === 'off' && !loaded.error)
	const s = loaded.data?.session
	const events = loaded.data?.events ?? []
	const current = events.find((e) => e.id === selected) ?? events[0]
	return (
		<div class="public">
			<Page title="Test session" actions={<span class={`badge ${feed === 'live' ? 'ok' : 'mid'}`} data-testid="feed-state">{feed === 'live' ? 'live' : feed === 'off' ? 'polling' : 'connecting'}</span>}>
				<ErrorBox error={loaded.error} />
				<Loading loaded={loaded} />
				{s ? (
					<>
						<div class="card">
							<p>Send requests to <code data-testid="session-url">{s.url}</code> <CopyButton text={s.url} label="Copy URL" /></p>
							<Pre label="Example request" text={`curl -X POST ${s.url} -H 'content-type: application/json' -d '{"hello":"world"}'`} />
							<p class="muted">{s.request_count}{s.request_limit ? ` of ${s.request_limit}` : ''} requests · {s.expires_at ? <>expires {new Date(s.expires_at).toLocaleString()}</> : 'kept (claimed)'} · anyone with this page's address can see these requests</p>
						</div>
						<div class="inspector">
							<section aria-labelledby="feed-title">
								<h2 id="feed-title">Requests</h2>
								{events.length === 0 ? <Empty title="No requests yet"><p>Send one with the curl above; it shows here without a reload.</p></Empty> : (
									<ul class="feed" data-testid="feed">
										{events.map((e) => (
											<li key={e.id}><button type="button" class={`feed-item ${current?.id === e.id ? 'active' : ''}`} aria-pressed={current?.id === e.id} onClick={() => setSelected(e.id)}>
												<strong>{e.method}</strong> <span class="muted">{e.payload_size} B · {new Date(e.received_at).toLocaleTimeString()}</span>
											</button></li>
										))}
									</ul>
								)}
							</section>
							<div>{current ? <RequestDetail key={current.id} sessionId={id} event={current} full={bodies.get(current.id)} /> : null}</div>
						</div>
						<div class="split">
							<ResponseForm s={s} onSaved={loaded.reload} />
							<ForwardingForm s={s} onSaved={loaded.reload} />
						</div>
					</>
				) : null}
			</Page>
		</div>
	)
}

/** /dashboard/test: start a session (no account needed). */
export function TestStart() {
	const start = useAction(async () => {
		const created = await post<{ session_id: string }>('/v1/test/sessions')
		navigate(`/dashboard/test/${created.session_id}`)
	})
	return (
		<div class="public">
			<Page title="Test a webhook">
				<p>Get a throwaway URL, send webhooks to it and see every request here, live. No account needed; it expires on its own.</p>
				<ErrorBox error={start.error} />
				<button type="button" class="btn primary" disabled={start.busy} onClick={() => start.run()}>Create a test session</button>
			</Page>
		</div>
	)
}
