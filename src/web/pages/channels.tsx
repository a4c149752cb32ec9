import { useState } from 'preact/hooks'
import { del, get, post } from '../api'
import { confirmed, Empty, ErrorBox, Field, Loading, Status, Time, useAction, useLoad, useMe } from '../ui'

export interface Channel {
	id: string
	name: string
	channel_type: string
	config: string
	enabled: number
	last_sent_at: string | null
	error_count: number
	last_error: string | null
}

const TYPES: Record<string, string> = { webhook: 'Webhook (your URL, optionally signed)', slack: 'Slack incoming webhook', discord: 'Discord webhook', email: 'Email (through --smtp-url)' }
const val = (e: Event) => (e.target as HTMLInputElement).value

export const loadChannels = () => get<{ channels: Channel[] }>('/v1/notification-channels')

/** The stored config is JSON text with credentials already masked by the server: show it as key: value. */
function ConfigText({ config }: { config: string }) {
	let parsed: Record<string, unknown> = {}
	try {
		parsed = JSON.parse(config)
	} catch {}
	return <span class="mono">{Object.entries(parsed).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`).join(' · ') || '—'}</span>
}

function configOf(type: string, f: { url: string; secret: string; to: string }): Record<string, unknown> {
	if (type === 'email') return { to: f.to.split(/[\s,]+/).filter(Boolean) }
	if (type === 'webhook' && f.secret) return { url: f.url, secret: f.secret }
	return { url: f.url }
}

function NewChannel({ onCreated }: { onCreated: () => void }) {
	const [f, setF] = useState({ name: '', type: 'webhook', url: '', secret: '', to: '' })
	const set = (p: Partial<typeof f>) => setF({ ...f, ...p })
	const create = useAction(async () => {
		await post('/v1/notification-channels', { name: f.name, channel_type: f.type, config: configOf(f.type, f) })
		setF({ name: '', type: f.type, url: '', secret: '', to: '' })
		onCreated()
	})
	return (
		<form class="card form" aria-labelledby="new-channel" onSubmit={(e) => { e.preventDefault(); create.run() }}>
			<h3 id="new-channel">New channel</h3>
			<div class="row">
				<Field label="Channel name"><input required value={f.name} onInput={(e) => set({ name: val(e) })} /></Field>
				<Field label="Channel type">
					<select value={f.type} onChange={(e) => set({ type: val(e) })}>{Object.entries(TYPES).map(([k, v]) => <option key={k} value={k}>{v}</option>)}</select>
				</Field>
			</div>
			{f.type === 'email' ? (
				<Field label="Recipients" hint="Comma-separated addresses"><input required value={f.to} onInput={(e) => set({ to: val(e) })} placeholder="ops@example.com" /></Field>
			) : (
				<Field label={f.type === 'webhook' ? 'Webhook URL' : 'Incoming-webhook URL'} hint={f.type === 'webhook' ? undefined : 'Stored sealed and shown masked'}>
					{f.type === 'webhook' ? <input type="url" required value={f.url} onInput={(e) => set({ url: val(e) })} /> : <input type="password" autoComplete="off" required value={f.url} onInput={(e) => set({ url: val(e) })} />}
				</Field>
			)}
			{f.type === 'webhook' ? (
				<Field label="Signing secret (optional)" hint="Signs each alert: X-hookstream-Signature: sha256=<HMAC of the body>">
					<input type="password" autoComplete="off" value={f.secret} onInput={(e) => set({ secret: val(e) })} />
				</Field>
			) : null}
			<ErrorBox error={create.error} />
			<button type="submit" class="btn primary" disabled={create.busy}>Create channel</button>
		</form>
	)
}

function ChannelRow({ c, canWrite, onChange }: { c: Channel; canWrite: boolean; onChange: () => void }) {
	const [result, setResult] = useState<{ success: boolean; error: string | null } | null>(null)
	const test = useAction(async () => {
		setResult(await post<{ success: boolean; error: string | null }>(`/v1/notification-channels/${c.id}/test`))
		onChange()
	})
	const remove = useAction(async () => {
		if (!confirmed(`Delete channel "${c.name}"? Alert rules stop notifying it.`)) return
		await del(`/v1/notification-channels/${c.id}`)
		onChange()
	})
	return (
		<tr data-testid="channel-row">
			<td>{c.name}<div class="muted">{c.channel_type}</div></td>
			<td><ConfigText config={c.config} /></td>
			<td>
				<Time iso={c.last_sent_at} />
				{c.error_count ? <div class="muted">{c.error_count} failed{c.last_error ? `: ${c.last_error}` : ''}</div> : null}
				{result ? <div role="status">{result.success ? <Status value="success" /> : <span class="badge bad">failed: {result.error}</span>}</div> : null}
				<ErrorBox error={test.error ?? remove.error} />
			</td>
			<td>
				{canWrite ? (
					<div class="actions">
						<button type="button" class="btn small" disabled={test.busy} onClick={() => test.run()} aria-label={`Send a test to ${c.name}`}>Send test</button>
						<button type="button" class="btn small danger" onClick={() => remove.run()} aria-label={`Delete channel ${c.name}`}>Delete</button>
					</div>
				) : null}
			</td>
		</tr>
	)
}

/** `onChange` lets the alert-rule form offer a channel as soon as it exists. */
export function Channels({ onChange }: { onChange: () => void }) {
	const { canWrite } = useMe()
	const list = useLoad(loadChannels, [])
	const changed = () => {
		list.reload()
		onChange()
	}
	const rows = list.data?.channels ?? []
	return (
		<section aria-labelledby="channels-title">
			<h2 id="channels-title">Notification channels</h2>
			<p class="muted">Where alerts go. "Send test" posts an <code>alert.test</code> message now.</p>
			<ErrorBox error={list.error} />
			<Loading loaded={list} />
			{list.data && rows.length === 0 ? <Empty title="No channels yet"><p>{canWrite ? 'Add a webhook, Slack, Discord or email channel below, then point alert rules at it.' : 'Nothing to show.'}</p></Empty> : null}
			{rows.length > 0 ? (
				<table class="table" data-testid="channels-table">
					<thead><tr><th scope="col">Channel</th><th scope="col">Config</th><th scope="col">Last sent</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
					<tbody>{rows.map((c) => <ChannelRow key={c.id} c={c} canWrite={canWrite} onChange={changed} />)}</tbody>
				</table>
			) : null}
			{canWrite ? <NewChannel onCreated={changed} /> : null}
		</section>
	)
}
