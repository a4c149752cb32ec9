import { useState } from 'preact/hooks'
import { del, get, patch, post } from '../api'
import { usePolling } from '../live'
import { confirmed, Empty, ErrorBox, Field, Link, Loading, Page, Status, Time, navigate, useAction, useLoad, useMe } from '../ui'
import { ProviderFacts, ProviderFields, providerConfig, TYPE_LABELS, type Values } from './destination-types'

interface Destination {
	id: string
	name: string
	slug: string
	type: string
	url: string | null
	provider_config: string | null
	method: string
	status: string
	auth_type: string
	timeout_ms: number
	event_count: number
	last_delivery_at: string | null
	retry_max_attempts: number | null
	circuit_breaker_enabled: number | null
}
interface Circuit {
	state: 'closed' | 'open' | 'half-open'
	failure_count: number
	opened_at: string | null
	next_probe_at: string | null
}

const TYPES = Object.keys(TYPE_LABELS)
const val = (e: Event) => (e.target as HTMLInputElement).value
const slugOf = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60)

function CircuitBadge({ id }: { id: string }) {
	const c = useLoad(() => get<{ circuit: Circuit }>(`/v1/destinations/${id}/circuit`), [id])
	usePolling(c.reload, 5000, true)
	if (!c.data) return <span class="muted">…</span>
	const s = c.data.circuit.state
	return <span class={`badge ${s === 'closed' ? 'ok' : s === 'open' ? 'bad' : 'mid'}`} data-testid="circuit-state">circuit {s}</span>
}

export function Destinations() {
	const { canWrite } = useMe()
	const list = useLoad(() => get<{ destinations: Destination[] }>('/v1/destinations', { limit: 100 }), [])
	const rows = list.data?.destinations ?? []
	return (
		<Page title="Destinations" actions={canWrite ? <Link href="/dashboard/destinations/new" class="btn primary">New destination</Link> : null}>
			<p class="muted">Where events go: your services' HTTP endpoints, queues (SQS, Kafka, RabbitMQ, Pub/Sub), buses, buckets or a /v1/ws channel. A circuit breaker stops sending to an endpoint that keeps failing and probes it again later.</p>
			<ErrorBox error={list.error} />
			<Loading loaded={list} />
			{list.data && rows.length === 0 ? <Empty title="No destinations yet"><p>{canWrite ? <>Add the URL of the service that should receive your webhooks. <Link href="/dashboard/destinations/new">New destination</Link></> : 'Nothing to show.'}</p></Empty> : null}
			{rows.length > 0 ? (
				<table class="table" data-testid="destinations-table">
					<thead><tr><th scope="col">Name</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Circuit</th><th scope="col">Deliveries</th><th scope="col">Last delivery</th></tr></thead>
					<tbody>{rows.map((d) => (
						<tr key={d.id}>
							<td><Link href={`/dashboard/destinations/${d.id}`}>{d.name}</Link></td>
							<td class="mono">{d.type === 'http' ? `${d.method} ${d.url}` : TYPE_LABELS[d.type] ?? d.type}</td>
							<td><Status value={d.status} /></td>
							<td><CircuitBadge id={d.id} /></td>
							<td>{d.event_count}</td>
							<td><Time iso={d.last_delivery_at} /></td>
						</tr>
					))}</tbody>
				</table>
			) : null}
		</Page>
	)
}

function authConfig(type: string, a: string, b: string): Record<string, unknown> | null {
	switch (type) {
		case 'bearer': return { token: a }
		case 'basic': return { username: a, password: b }
		case 'api_key': return { header: a, key: b }
		default: return null
	}
}

export function DestinationNew() {
	const [f, setF] = useState({ name: '', slug: '', type: 'http', url: '', method: 'POST', auth_type: 'none', a: '', b: '', timeout_ms: '30000', retry_max_attempts: '5' })
	const [provider, setProvider] = useState<Values>({})
	const set = (p: Partial<typeof f>) => setF({ ...f, ...p })
	const http = f.type === 'http'
	const create = useAction(async () => {
		const body: Record<string, unknown> = { name: f.name, slug: f.slug || slugOf(f.name), type: f.type, timeout_ms: Number(f.timeout_ms), retry_max_attempts: Number(f.retry_max_attempts) }
		if (http) Object.assign(body, { url: f.url, method: f.method, auth_type: f.auth_type })
		else body.provider_config = providerConfig(f.type, provider)
		const config = http ? authConfig(f.auth_type, f.a, f.b) : null
		if (config) body.auth_config = config
		const { destination } = await post<{ destination: Destination }>('/v1/destinations', body)
		navigate(`/dashboard/destinations/${destination.id}`)
	})
	return (
		<Page title="New destination">
			<p><Link href="/dashboard/destinations">← Destinations</Link></p>
			<form class="form" onSubmit={(e) => { e.preventDefault(); create.run() }}>
				<fieldset class="card">
					<legend>Destination</legend>
					<Field label="Name"><input name="name" required value={f.name} onInput={(e) => set({ name: val(e) })} /></Field>
					<Field label="Slug" hint={`Unique in this environment; empty means ${slugOf(f.name) || 'one made from the name'}`}><input name="slug" pattern="[a-z0-9][a-z0-9\-]*" value={f.slug} onInput={(e) => set({ slug: val(e) })} /></Field>
					<Field label="Type">
						<select name="type" value={f.type} onChange={(e) => { set({ type: val(e) }); setProvider({}) }}>
							{TYPES.map((t) => <option key={t} value={t}>{TYPE_LABELS[t]}</option>)}
						</select>
					</Field>
				</fieldset>
				{http ? <HttpFields f={f} set={set} /> : (
					<fieldset class="card" data-testid="provider-fields">
						<legend>{TYPE_LABELS[f.type]}</legend>
						<ProviderFields type={f.type} values={provider} onChange={setProvider} />
						<p class="hint">Credentials are stored encrypted and shown masked.</p>
					</fieldset>
				)}
				<fieldset class="card">
					<legend>Delivery</legend>
					<div class="row">
						<Field label="Timeout (ms)"><input name="timeout_ms" type="number" min={1000} max={60000} value={f.timeout_ms} onInput={(e) => set({ timeout_ms: val(e) })} /></Field>
						<Field label="Attempts before DLQ"><input name="retry_max_attempts" type="number" min={1} max={20} value={f.retry_max_attempts} onInput={(e) => set({ retry_max_attempts: val(e) })} /></Field>
					</div>
				</fieldset>
				<ErrorBox error={create.error} />
				<button type="submit" class="btn primary" disabled={create.busy}>Create destination</button>
			</form>
		</Page>
	)
}

type Form = { url: string; method: string; auth_type: string; a: string; b: string }

function HttpFields({ f, set }: { f: Form; set: (p: Partial<Form>) => void }) {
	const labels: Record<string, [string, string] | [string]> = { bearer: ['Token'], basic: ['Username', 'Password'], api_key: ['Header name', 'Key'] }
	const [la, lb] = labels[f.auth_type] ?? []
	return (
		<>
			<fieldset class="card">
				<legend>HTTP endpoint</legend>
					<Field label="URL"><input name="url" type="url" required placeholder="https://api.example.com/webhooks" value={f.url} onInput={(e) => set({ url: val(e) })} /></Field>
					<Field label="Method">
						<select name="method" value={f.method} onChange={(e) => set({ method: val(e) })}>{['POST', 'PUT', 'PATCH'].map((m) => <option key={m}>{m}</option>)}</select>
					</Field>
			</fieldset>
			<fieldset class="card">
				<legend>Authentication</legend>
				<Field label="Auth type">
					<select name="auth_type" value={f.auth_type} onChange={(e) => set({ auth_type: val(e) })}>{['none', 'bearer', 'basic', 'api_key'].map((m) => <option key={m}>{m}</option>)}</select>
				</Field>
				{la ? <Field label={la}><input name="auth_a" value={f.a} onInput={(e) => set({ a: val(e) })} /></Field> : null}
				{lb ? <Field label={lb}><input name="auth_b" type="password" autoComplete="off" value={f.b} onInput={(e) => set({ b: val(e) })} /></Field> : null}
			</fieldset>
		</>
	)
}

export function DestinationDetail({ id }: { id: string }) {
	const { canWrite } = useMe()
	const loaded = useLoad(() => get<{ destination: Destination }>(`/v1/destinations/${encodeURIComponent(id)}`), [id])
	const circuit = useLoad(() => get<{ circuit: Circuit }>(`/v1/destinations/${encodeURIComponent(id)}/circuit`), [id])
	usePolling(circuit.reload, 3000, true)
	const reset = useAction(async () => {
		await post(`/v1/destinations/${id}/circuit/reset`)
		circuit.reload()
	})
	const setStatus = useAction(async (status: string) => {
		await patch(`/v1/destinations/${id}`, { status })
		loaded.reload()
	})
	const remove = useAction(async () => {
		if (!confirmed(`Delete destination "${d?.name}"? Its connections stop delivering.`)) return
		await del(`/v1/destinations/${id}`)
		navigate('/dashboard/destinations')
	})
	const d = loaded.data?.destination
	const c = circuit.data?.circuit
	return (
		<Page title={d?.name ?? 'Destination'} actions={canWrite && d ? (
			<>
				{d.status === 'active' ? <button type="button" class="btn" onClick={() => setStatus.run('paused')}>Pause</button> : <button type="button" class="btn" onClick={() => setStatus.run('active')}>Resume</button>}
				<button type="button" class="btn danger" onClick={() => remove.run()}>Delete</button>
			</>
		) : null}>
			<p><Link href="/dashboard/destinations">← Destinations</Link></p>
			<ErrorBox error={loaded.error ?? setStatus.error ?? remove.error ?? reset.error} />
			<Loading loaded={loaded} />
			{d ? (
				<dl class="facts">
					<dt>ID</dt><dd class="mono">{d.id}</dd>
					<dt>Type</dt><dd data-testid="destination-type">{TYPE_LABELS[d.type] ?? d.type}</dd>
					{d.type === 'http' ? <><dt>Endpoint</dt><dd class="mono">{d.method} {d.url}</dd></> : <ProviderFacts type={d.type} config={d.provider_config} />}
					<dt>Status</dt><dd><Status value={d.status} /></dd>
					{d.type === 'http' ? <><dt>Auth</dt><dd>{d.auth_type}</dd></> : null}
					<dt>Timeout</dt><dd>{d.timeout_ms} ms</dd>
					<dt>Attempts</dt><dd>{d.retry_max_attempts ?? 'default'} before the DLQ</dd>
					<dt>Deliveries</dt><dd><Link href={`/dashboard/attempts?destination_id=${d.id}`}>{d.event_count}</Link>, last <Time iso={d.last_delivery_at} /></dd>
				</dl>
			) : null}
			{c ? (
				<div class="card" aria-live="polite">
					<h2>Circuit breaker</h2>
					<p><span class={`badge ${c.state === 'closed' ? 'ok' : c.state === 'open' ? 'bad' : 'mid'}`} data-testid="circuit-state">{c.state}</span> · {c.failure_count} consecutive failures{c.opened_at ? <> · opened <Time iso={c.opened_at} /></> : null}{c.next_probe_at ? <> · next probe <Time iso={c.next_probe_at} /></> : null}</p>
					<p class="muted">Closed: deliveries flow. Open: the endpoint kept failing, deliveries wait. Half-open: one probe is being sent.</p>
					{canWrite && c.state !== 'closed' ? <button type="button" class="btn" onClick={() => reset.run()}>Reset circuit</button> : null}
				</div>
			) : null}
		</Page>
	)
}
