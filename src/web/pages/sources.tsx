import { useState } from 'preact/hooks'
import { del, get, patch, post } from '../api'
import { confirmed, CopyButton, Empty, ErrorBox, Field, Link, Loading, Page, Pre, Status, Time, navigate, useAction, useLoad, useMe } from '../ui'
import { SourceForm } from './source-form'

export interface Source {
	id: string
	name: string
	slug: string
	description: string | null
	template: string | null
	status: string
	type: string
	url: string
	event_count: number
	last_event_at: string | null
	verification_enabled: number
	verification_type: string | null
	verification_header: string | null
	dedup_enabled: number
	dedup_strategy: string | null
	dedup_field: string | null
	dedup_window_seconds: number
	ip_allowlist: string | null
	ip_denylist: string | null
	schema_validation_enabled: number
	schema_action: string | null
	created_at: string
}

export function Sources() {
	const { canWrite } = useMe()
	const list = useLoad(() => get<{ sources: Source[] }>('/v1/sources', { limit: 100 }), [])
	const sources = list.data?.sources ?? []
	return (
		<Page title="Sources" actions={canWrite ? <Link href="/dashboard/sources/new" class="btn primary">New source</Link> : null}>
			<p class="muted">A source is an address that receives webhooks from one sender, checks their signatures and stores every event.</p>
			<ErrorBox error={list.error} />
			<Loading loaded={list} />
			{list.data && sources.length === 0 ? (
				<Empty title="No sources yet">
					<p>{canWrite ? <>Create one: pick a provider template (Stripe, GitHub, Shopify, …) and hookstream fills in how it signs its webhooks. <Link href="/dashboard/sources/new">New source</Link></> : 'Ask a member of your organization to create one.'}</p>
				</Empty>
			) : null}
			{sources.length > 0 ? (
				<table class="table" data-testid="sources-table">
					<thead><tr><th scope="col">Name</th><th scope="col">Template</th><th scope="col">Status</th><th scope="col">Events</th><th scope="col">Last event</th></tr></thead>
					<tbody>
						{sources.map((s) => (
							<tr key={s.id} data-testid="source-row">
								<td><Link href={`/dashboard/sources/${s.id}`}>{s.name}</Link> <span class="muted mono">{s.slug}</span></td>
								<td>{s.template ?? '—'}</td>
								<td><Status value={s.status} /></td>
								<td>{s.event_count}</td>
								<td><Time iso={s.last_event_at} /></td>
							</tr>
						))}
					</tbody>
				</table>
			) : null}
		</Page>
	)
}

export function SourceNew() {
	const create = useAction(async (body: Record<string, unknown>) => {
		const { source } = await post<{ source: Source }>('/v1/sources', body)
		navigate(`/dashboard/sources/${source.id}`)
	})
	return (
		<Page title="New source">
			<p><Link href="/dashboard/sources">← Sources</Link></p>
			<SourceForm onSubmit={create.run} busy={create.busy} error={create.error} />
		</Page>
	)
}

function curlOf(s: Source, sample: unknown): string {
	const body = sample === undefined ? { hello: 'world' } : sample
	const data = typeof body === 'string' ? body : JSON.stringify(body)
	const type = typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json'
	const note = s.verification_enabled ? `# This source checks signatures (${s.verification_type}): an unsigned request is refused with 401.\n# Send a signed one from the provider, or turn verification off to try it.\n` : ''
	return `${note}curl -X POST '${s.url}' \\\n  -H 'content-type: ${type}' \\\n  -d '${data.replaceAll("'", "'\\''")}'`
}

export function SourceDetail({ id }: { id: string }) {
	const { canWrite } = useMe()
	const loaded = useLoad(() => get<{ source: Source }>(`/v1/sources/${encodeURIComponent(id)}`), [id])
	const s = loaded.data?.source
	const template = useLoad(async () => (s?.template ? (await get<{ template: { name: string; sample_event: unknown } }>(`/v1/templates/${s.template}`)).template : null), [s?.template])
	const [editing, setEditing] = useState(false)
	const setStatus = useAction(async (status: string) => {
		await patch(`/v1/sources/${id}`, { status })
		loaded.reload()
	})
	const update = useAction(async (body: Record<string, unknown>) => {
		await patch(`/v1/sources/${id}`, body)
		setEditing(false)
		loaded.reload()
	})
	const remove = useAction(async () => {
		if (!confirmed(`Delete source "${s?.name}" and its events? This cannot be undone.`)) return
		await del(`/v1/sources/${id}`)
		navigate('/dashboard/sources')
	})
	return (
		<Page title={s ? s.name : 'Source'} actions={canWrite && s ? (
			<>
				{s.status === 'active' ? <button type="button" class="btn" onClick={() => setStatus.run('paused')}>Pause</button> : <button type="button" class="btn" onClick={() => setStatus.run('active')}>Resume</button>}
				{s.status !== 'disabled' ? <button type="button" class="btn" onClick={() => setStatus.run('disabled')}>Disable</button> : null}
				<button type="button" class="btn" onClick={() => setEditing(!editing)} aria-expanded={editing}>Edit</button>
				<button type="button" class="btn danger" onClick={() => remove.run()}>Delete</button>
			</>
		) : null}>
			<p><Link href="/dashboard/sources">← Sources</Link></p>
			<ErrorBox error={loaded.error ?? setStatus.error ?? remove.error} />
			<Loading loaded={loaded} />
			{s ? (
				<>
					{editing ? <SourceForm source={s} onSubmit={update.run} busy={update.busy} error={update.error} /> : null}
					<div class="card">
						<h2>Ingest URL</h2>
						<p class="muted">Give this address to the sender ({template.data ? `in ${template.data.name}'s` : 'in its'} webhook settings). {s.status !== 'active' ? `The source is ${s.status}: ${s.status === 'paused' ? 'events are stored but not delivered' : 'requests are refused'}.` : ''}</p>
						<div class="row">
							<code class="url" data-testid="ingest-url">{s.url}</code>
							<CopyButton text={s.url} label="Copy URL" />
						</div>
						<h3>Try it</h3>
						<Pre label="curl example" text={curlOf(s, template.data?.sample_event)} />
						<CopyButton text={curlOf(s, template.data?.sample_event)} label="Copy curl" />
					</div>
					<dl class="facts">
						<dt>ID</dt><dd class="mono">{s.id}</dd>
						<dt>Status</dt><dd><Status value={s.status} /></dd>
						<dt>Events</dt><dd><Link href={`/dashboard/events?source_id=${s.id}`}>{s.event_count} events</Link>, last <Time iso={s.last_event_at} /></dd>
						<dt>Verification</dt><dd>{s.verification_enabled ? `${s.verification_type} (${s.verification_header ?? 'default header'})` : 'off'}</dd>
						<dt>Dedup</dt><dd>{s.dedup_enabled ? `${s.dedup_strategy}${s.dedup_field ? ` on ${s.dedup_field}` : ''}, ${s.dedup_window_seconds} s window` : 'off'}</dd>
						<dt>IP allow list</dt><dd>{s.ip_allowlist ? JSON.parse(s.ip_allowlist).join(', ') || 'any' : 'any'}</dd>
						<dt>IP deny list</dt><dd>{s.ip_denylist ? JSON.parse(s.ip_denylist).join(', ') || 'none' : 'none'}</dd>
						<dt>JSON schema</dt><dd>{s.schema_validation_enabled ? `on (${s.schema_action})` : 'off'}</dd>
					</dl>
				</>
			) : null}
		</Page>
	)
}
