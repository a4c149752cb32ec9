import { useRef, useState } from 'preact/hooks'
import { get, post, withQuery } from '../api'
import { useLive, usePolling } from '../live'
import { AttemptRow } from './attempt-row'
import { BodyView } from './body-view'
import { Empty, ErrorBox, Field, Link, Loading, Page, Pre, Status, Time, navigate, useAction, useLoad, useLocation, useMe } from '../ui'

const FILTERS = ['source_id', 'status', 'verification_status', 'dedup_status', 'method', 'search', 'after', 'before'] as const
const OPTIONS: Record<string, string[]> = {
	status: ['pending', 'delivered', 'partial', 'failed', 'filtered', 'no_route'],
	verification_status: ['verified', 'unverified', 'schema_invalid'],
	dedup_status: ['unique', 'duplicate']
}
const LABELS: Record<string, string> = { status: 'Status', verification_status: 'Verification', dedup_status: 'Dedup' }

interface EventSummary {
	id: string
	source_id: string
	source_name: string | null
	method: string
	content_type: string | null
	payload_size: number
	verification_status: string
	dedup_status: string
	status: string
	received_at: string
}
interface EventPage {
	events: EventSummary[]
	pagination: { total: number; has_more: boolean; next_cursor: string | null; prev_cursor: string | null }
}

/** datetime-local has no zone: read it as local time, send ISO. */
const iso = (local: string | null) => (local ? new Date(local).toISOString() : undefined)

type Filters = Record<(typeof FILTERS)[number], string>

function EventFilters({ filters, sources, setFilter }: { filters: Filters; sources: { id: string; name: string }[]; setFilter: (name: string, value: string) => void }) {
	return (
		<form class="filters" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
			<Field label="Source">
				<select value={filters.source_id} onChange={(e) => setFilter('source_id', (e.target as HTMLSelectElement).value)}>
					<option value="">All sources</option>
					{sources.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
				</select>
			</Field>
			{Object.entries(OPTIONS).map(([name, values]) => (
				<Field key={name} label={LABELS[name] as string}>
					<select value={filters[name as keyof typeof filters]} onChange={(e) => setFilter(name, (e.target as HTMLSelectElement).value)}>
						<option value="">Any</option>
						{values.map((v) => <option key={v} value={v}>{v}</option>)}
					</select>
				</Field>
			))}
			<Field label="Method">
				<select value={filters.method} onChange={(e) => setFilter('method', (e.target as HTMLSelectElement).value)}>
					<option value="">Any</option>
					{['POST', 'PUT', 'PATCH', 'GET', 'DELETE', 'WEBSOCKET'].map((m) => <option key={m}>{m}</option>)}
				</select>
			</Field>
			<Field label="From">
				<input type="datetime-local" value={filters.after} onChange={(e) => setFilter('after', (e.target as HTMLInputElement).value)} />
			</Field>
			<Field label="To">
				<input type="datetime-local" value={filters.before} onChange={(e) => setFilter('before', (e.target as HTMLInputElement).value)} />
			</Field>
			<Field label="Search">
				<input type="search" placeholder="Event id or body text" value={filters.search} onChange={(e) => setFilter('search', (e.target as HTMLInputElement).value)} />
			</Field>
		</form>
	)
}

export function Events() {
	const { query } = useLocation()
	const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])) as Filters
	const cursor = query.get('cursor') ?? ''
	const key = query.toString()
	const sources = useLoad(() => get<{ sources: { id: string; name: string }[] }>('/v1/sources', { limit: 100 }), [])
	const list = useLoad(() => get<EventPage>('/v1/events', { ...filters, after: iso(filters.after), before: iso(filters.before), cursor, limit: 50 }), [key])
	// A burst of pushed events reloads the first page once, not once per event.
	const pending = useRef<ReturnType<typeof setTimeout> | null>(null)
	const live = useLive('events', () => {
		if (cursor || pending.current) return
		pending.current = setTimeout(() => {
			pending.current = null
			list.reload()
		}, 300)
	})
	// Without the hub, the first page refreshes itself; later pages hold still (cursor paging).
	usePolling(list.reload, 5000, live !== 'live' && !cursor)
	const setFilter = (name: string, v: string) => {
		const next = new URLSearchParams(query)
		if (v) next.set(name, v)
		else next.delete(name)
		next.delete('cursor')
		navigate(withQuery('/dashboard/events', Object.fromEntries(next)), true)
	}
	const page = (c: string | null) => c && navigate(withQuery('/dashboard/events', { ...Object.fromEntries(query), cursor: c }))
	const events = list.data?.events ?? []
	return (
		<Page title="Events" actions={<LiveBadge state={live} />}>
			<EventFilters filters={filters} sources={sources.data?.sources ?? []} setFilter={setFilter} />
			<ErrorBox error={list.error} />
			<Loading loaded={list} />
			{list.data && events.length === 0 ? <NoEvents filtered={key !== ''} /> : null}
			{events.length > 0 ? (
				<>
					<p class="muted">{list.data?.pagination.total} matching event{list.data?.pagination.total === 1 ? '' : 's'}</p>
					<table class="table" data-testid="events-table">
						<thead>
							<tr><th scope="col">Event</th><th scope="col">Source</th><th scope="col">Method</th><th scope="col">Status</th><th scope="col">Verification</th><th scope="col">Size</th><th scope="col">Received</th></tr>
						</thead>
						<tbody>
							{events.map((e) => (
								<tr key={e.id} data-testid="event-row">
									<td><Link href={`/dashboard/events/${e.id}`} class="mono">{e.id.slice(0, 16)}…</Link></td>
									<td>{e.source_name ?? e.source_id}</td>
									<td>{e.method}</td>
									<td><Status value={e.status} />{e.dedup_status === 'duplicate' ? <> <Status value="duplicate" /></> : null}</td>
									<td><Status value={e.verification_status} /></td>
									<td>{e.payload_size} B</td>
									<td><Time iso={e.received_at} /></td>
								</tr>
							))}
						</tbody>
					</table>
				</>
			) : null}
			<nav class="row pager" aria-label="Pages">
				<button type="button" class="btn" disabled={!cursor} onClick={() => navigate(withQuery('/dashboard/events', { ...Object.fromEntries(query), cursor: list.data?.pagination.prev_cursor ?? undefined }))}>Newer</button>
				<button type="button" class="btn" disabled={!list.data?.pagination.next_cursor} onClick={() => page(list.data?.pagination.next_cursor ?? null)}>Older</button>
			</nav>
		</Page>
	)
}

export function LiveBadge({ state }: { state: string }) {
	const text = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Live updates off · refreshing every 5 s'
	return <span class={`badge ${state === 'live' ? 'ok' : 'mid'}`} data-testid="ws-state" role="status">{text}</span>
}

function NoEvents({ filtered }: { filtered: boolean }) {
	if (filtered) return <Empty title="No events match these filters." />
	return (
		<Empty title="No events yet">
			<p>Send one to a source's ingest URL, for example:</p>
			<Pre label="Example request" text={`curl -X POST ${location.origin}/v1/ingest/<source id> \\\n  -H 'content-type: application/json' -d '{"hello":"world"}'`} />
			<p><Link href="/dashboard/sources">Your sources and their URLs</Link></p>
		</Empty>
	)
}

interface EventFull extends EventSummary {
	headers: Record<string, string>
	query_params: Record<string, string | string[]> | null
	body: string
	body_encoding: 'utf8' | 'base64'
	verification_error: string | null
	dedup_hash: string | null
	source_ip: string | null
	delivery_attempts: any[]
}

export function EventDetail({ id }: { id: string }) {
	const { canWrite, me } = useMe()
	const loaded = useLoad(() => get<{ event: EventFull }>(`/v1/events/${encodeURIComponent(id)}`), [id])
	const [message, setMessage] = useState('')
	const retry = useAction(async () => {
		const r = await post<{ message: string }>(`/v1/events/${encodeURIComponent(id)}/retry`)
		setMessage(r.message)
		loaded.reload()
	})
	const e = loaded.data?.event
	return (
		<Page title={`Event ${id.slice(0, 20)}…`} actions={canWrite && e ? <button type="button" class="btn" onClick={() => retry.run()} disabled={retry.busy}>Retry failed deliveries</button> : null}>
			<p><Link href="/dashboard/events">← All events</Link></p>
			<ErrorBox error={loaded.error ?? retry.error} />
			{message ? <p class="notice" role="status">{message}</p> : null}
			<Loading loaded={loaded} />
			{e ? (
				<>
					<dl class="facts">
						<dt>ID</dt><dd class="mono">{e.id}</dd>
						<dt>Source</dt><dd><Link href={`/dashboard/sources/${e.source_id}`}>{e.source_name ?? e.source_id}</Link></dd>
						<dt>Received</dt><dd><Time iso={e.received_at} /> ({new Date(e.received_at).toLocaleString()})</dd>
						<dt>Method</dt><dd>{e.method}</dd>
						<dt>Status</dt><dd><Status value={e.status} /></dd>
						<dt>Verification</dt><dd><Status value={e.verification_status} /> {e.verification_error ? <span class="muted">{e.verification_error}</span> : null}</dd>
						<dt>Dedup</dt><dd><Status value={e.dedup_status} /> {e.dedup_hash ? <span class="muted mono">{e.dedup_hash.slice(0, 16)}</span> : null}</dd>
						<dt>Sender IP</dt><dd>{e.source_ip ?? '—'}</dd>
					</dl>
					<h2>Body</h2>
					<BodyView body={e.body} encoding={e.body_encoding} contentType={e.content_type} download={withQuery(`/v1/events/${e.id}/raw`, { env_id: me.environment.id })} />
					<h2>Headers</h2>
					<table class="table kv" data-testid="event-headers">
						<tbody>{Object.entries(e.headers).map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td class="mono">{v}</td></tr>)}</tbody>
					</table>
					{e.query_params && Object.keys(e.query_params).length > 0 ? (
						<>
							<h2>Query</h2>
							<table class="table kv"><tbody>{Object.entries(e.query_params).map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td class="mono">{String(v)}</td></tr>)}</tbody></table>
						</>
					) : null}
					<h2>Delivery attempts</h2>
					{e.delivery_attempts.length === 0 ? <Empty title="No delivery attempts."><p>Events are delivered through <Link href="/dashboard/connections">connections</Link> from their source to a destination.</p></Empty> : (
						<table class="table" data-testid="attempts-table">
							<thead><tr><th scope="col">#</th><th scope="col">Destination</th><th scope="col">Status</th><th scope="col">HTTP</th><th scope="col">Latency</th><th scope="col">When</th><th scope="col">Details</th></tr></thead>
							<tbody>{e.delivery_attempts.map((a) => <AttemptRow key={a.id} attempt={a} onRetried={loaded.reload} />)}</tbody>
						</table>
					)}
				</>
			) : null}
		</Page>
	)
}
