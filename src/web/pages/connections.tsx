import { useState } from 'preact/hooks'
import { del, get, patch, post } from '../api'
import { confirmed, Empty, ErrorBox, Field, Link, Loading, Page, Pre, Status, Time, navigate, useAction, useLoad, useMe } from '../ui'

interface Connection {
	id: string
	name: string
	source_id: string
	destination_id: string
	source_name: string | null
	destination_name: string | null
	enabled: number
	status: string
	filter_rules: string | null
	transform_enabled: number
	transform_expression: string | null
	event_count: number
	last_event_at: string | null
}
interface Rule {
	field: string
	op: string
	value: string
}
interface Preview {
	matched: boolean
	output: unknown
	transform_error: string | null
}

const OPS = ['eq', 'neq', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists', 'in']
const val = (e: Event) => (e.target as HTMLInputElement).value

export function Connections() {
	const { canWrite } = useMe()
	const list = useLoad(() => get<{ connections: Connection[] }>('/v1/connections', { limit: 100 }), [])
	const toggle = useAction(async (c: Connection) => {
		await patch(`/v1/connections/${c.id}`, { enabled: c.enabled !== 1 })
		list.reload()
	})
	const remove = useAction(async (c: Connection) => {
		if (!confirmed(`Delete connection "${c.name}"?`)) return
		await del(`/v1/connections/${c.id}`)
		list.reload()
	})
	const rows = list.data?.connections ?? []
	return (
		<Page title="Connections" actions={canWrite ? <Link href="/dashboard/connections/new" class="btn primary">New connection</Link> : null}>
			<p class="muted">A connection routes a source's events to a destination, optionally only those that pass its filters, optionally reshaped by a JSONata transform.</p>
			<ErrorBox error={list.error ?? toggle.error ?? remove.error} />
			<Loading loaded={list} />
			{list.data && rows.length === 0 ? <Empty title="No connections yet"><p>Events are stored but go nowhere until a connection links their source to a destination. {canWrite ? <Link href="/dashboard/connections/new">New connection</Link> : null}</p></Empty> : null}
			{rows.length > 0 ? (
				<table class="table" data-testid="connections-table">
					<thead><tr><th scope="col">Name</th><th scope="col">Route</th><th scope="col">Rules</th><th scope="col">Status</th><th scope="col">Events</th>{canWrite ? <th scope="col">Actions</th> : null}</tr></thead>
					<tbody>{rows.map((c) => (
						<tr key={c.id}>
							<td>{c.name}</td>
							<td><Link href={`/dashboard/sources/${c.source_id}`}>{c.source_name}</Link> → <Link href={`/dashboard/destinations/${c.destination_id}`}>{c.destination_name}</Link></td>
							<td>{c.filter_rules ? `${JSON.parse(c.filter_rules).length} filters` : 'all events'}{c.transform_enabled ? ' · transform' : ''}</td>
							<td><Status value={c.enabled ? c.status : 'disabled'} /></td>
							<td>{c.event_count}, last <Time iso={c.last_event_at} /></td>
							{canWrite ? <td><div class="row"><button type="button" class="btn small" onClick={() => toggle.run(c)}>{c.enabled ? 'Disable' : 'Enable'}</button><button type="button" class="btn small danger" onClick={() => remove.run(c)}>Delete</button></div></td> : null}
						</tr>
					))}</tbody>
				</table>
			) : null}
		</Page>
	)
}

/** JSON when it parses (numbers, booleans, arrays for `in`), else the text. */
function parseValue(text: string): unknown {
	try {
		return JSON.parse(text)
	} catch {
		return text
	}
}

function rulesOf(rules: Rule[]) {
	return rules.filter((r) => r.field).map((r) => (r.op === 'exists' ? { field: r.field, op: r.op, value: r.value === '' ? true : parseValue(r.value) } : { field: r.field, op: r.op, value: parseValue(r.value) }))
}

function RuleBuilder({ rules, onChange }: { rules: Rule[]; onChange: (rules: Rule[]) => void }) {
	const set = (i: number, p: Partial<Rule>) => onChange(rules.map((r, j) => (i === j ? { ...r, ...p } : r)))
	return (
		<fieldset class="card">
			<legend>Filters</legend>
			<p class="muted">Every rule must match. Fields: <code>payload.&lt;path&gt;</code>, <code>headers.&lt;name&gt;</code>, <code>method</code>, <code>content_type</code>, <code>source_ip</code>. Values are JSON when they parse (<code>42</code>, <code>true</code>, <code>["a","b"]</code>), else text.</p>
			{rules.map((r, i) => (
				<div class="row rule" key={i} data-testid="filter-rule">
					<Field label={`Rule ${i + 1} field`}><input value={r.field} placeholder="payload.type" onInput={(e) => set(i, { field: val(e) })} /></Field>
					<Field label={`Rule ${i + 1} operator`}>
						<select value={r.op} onChange={(e) => set(i, { op: val(e) })}>{OPS.map((o) => <option key={o}>{o}</option>)}</select>
					</Field>
					<Field label={`Rule ${i + 1} value`}><input value={r.value} onInput={(e) => set(i, { value: val(e) })} /></Field>
					<button type="button" class="btn small" aria-label={`Remove rule ${i + 1}`} onClick={() => onChange(rules.filter((_, j) => j !== i))}>Remove</button>
				</div>
			))}
			<button type="button" class="btn small" onClick={() => onChange([...rules, { field: '', op: 'eq', value: '' }])}>Add a filter</button>
		</fieldset>
	)
}

export function ConnectionNew() {
	const sources = useLoad(() => get<{ sources: { id: string; name: string }[] }>('/v1/sources', { limit: 100 }), [])
	const destinations = useLoad(() => get<{ destinations: { id: string; name: string }[] }>('/v1/destinations', { limit: 100 }), [])
	const [f, setF] = useState({ name: '', source_id: '', destination_id: '', transform: '', event_id: '' })
	const [rules, setRules] = useState<Rule[]>([])
	const [result, setResult] = useState<Preview | null>(null)
	const set = (p: Partial<typeof f>) => setF({ ...f, ...p })
	const sourceId = f.source_id || sources.data?.sources[0]?.id || ''
	const destinationId = f.destination_id || destinations.data?.destinations[0]?.id || ''
	const events = useLoad(async () => (sourceId ? (await get<{ events: { id: string; received_at: string; status: string }[] }>('/v1/events', { source_id: sourceId, limit: 20 })).events : []), [sourceId])
	const eventId = f.event_id || events.data?.[0]?.id || ''
	const preview = useAction(async () => {
		setResult(null)
		setResult(await post<Preview>('/v1/connections/transform-preview', { event_id: eventId, filter_rules: rulesOf(rules), transform_expression: f.transform || null }))
	})
	const create = useAction(async () => {
		await post('/v1/connections', { name: f.name, source_id: sourceId, destination_id: destinationId, filter_rules: rulesOf(rules), transform_expression: f.transform || null, transform_enabled: f.transform !== '' })
		navigate('/dashboard/connections')
	})
	const missing = sources.data && destinations.data && (sources.data.sources.length === 0 || destinations.data.destinations.length === 0)
	return (
		<Page title="New connection">
			<p><Link href="/dashboard/connections">← Connections</Link></p>
			<ErrorBox error={sources.error ?? destinations.error} />
			{missing ? <Empty title="A connection needs a source and a destination."><p><Link href="/dashboard/sources/new">New source</Link> · <Link href="/dashboard/destinations/new">New destination</Link></p></Empty> : null}
			<form class="form" onSubmit={(e) => { e.preventDefault(); create.run() }}>
				<fieldset class="card">
					<legend>Route</legend>
					<Field label="Name"><input name="name" required value={f.name} onInput={(e) => set({ name: val(e) })} /></Field>
					<div class="row">
						<Field label="From source">
							<select name="source_id" value={sourceId} onChange={(e) => set({ source_id: val(e), event_id: '' })}>{(sources.data?.sources ?? []).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}</select>
						</Field>
						<Field label="To destination">
							<select name="destination_id" value={destinationId} onChange={(e) => set({ destination_id: val(e) })}>{(destinations.data?.destinations ?? []).map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}</select>
						</Field>
					</div>
				</fieldset>
				<RuleBuilder rules={rules} onChange={setRules} />
				<fieldset class="card">
					<legend>Transform</legend>
					<Field label="JSONata expression" hint="Optional. The event's JSON body is the input; the result is sent instead. Example: {&quot;id&quot;: data.object.id, &quot;amount&quot;: data.object.amount}">
						<textarea name="transform_expression" rows={5} class="mono" value={f.transform} onInput={(e) => set({ transform: val(e) })} />
					</Field>
					<div class="row">
						<Field label="Preview against event">
							<select name="preview_event" value={eventId} onChange={(e) => set({ event_id: val(e) })}>
								{(events.data ?? []).map((ev) => <option key={ev.id} value={ev.id}>{ev.id.slice(0, 18)}… · {new Date(ev.received_at).toLocaleString()}</option>)}
							</select>
						</Field>
						<button type="button" class="btn" disabled={!eventId || preview.busy} onClick={() => preview.run()}>Preview</button>
					</div>
					{events.data && events.data.length === 0 ? <p class="muted">This source has no events yet: send one to preview against it.</p> : null}
					<ErrorBox error={preview.error} />
					{result ? (
						<div data-testid="preview-result" aria-live="polite">
							<p>Filters: <Status value={result.matched ? 'passed' : 'rejected'} /> {result.matched ? 'this event would be delivered' : 'this event would be filtered out'}</p>
							{result.transform_error ? <p class="error">Transform failed: {result.transform_error}</p> : <Pre label="Body that would be sent" text={JSON.stringify(result.output, null, 2)} />}
						</div>
					) : null}
				</fieldset>
				<ErrorBox error={create.error} />
				<button type="submit" class="btn primary" disabled={create.busy || !sourceId || !destinationId}>Create connection</button>
			</form>
		</Page>
	)
}
