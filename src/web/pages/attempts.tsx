import { useState } from 'preact/hooks'
import { get, patch, post, withQuery } from '../api'
import { Empty, ErrorBox, Field, Link, Loading, Page, Status, Time, navigate, useAction, useLoad, useLocation, useMe } from '../ui'
import { type Attempt, AttemptRow } from './attempt-row'

const val = (e: Event) => (e.target as HTMLSelectElement).value

export function Attempts() {
	const { canWrite } = useMe()
	const { query } = useLocation()
	const status = query.get('status') ?? ''
	const dlq = query.get('is_dlq') ?? ''
	const destination = query.get('destination_id') ?? ''
	const cursor = query.get('cursor') ?? ''
	const list = useLoad(() => get<{ delivery_attempts: Attempt[]; pagination: { total: number; next_cursor: string | null } }>('/v1/delivery-attempts', { status, is_dlq: dlq, destination_id: destination, cursor, limit: 50 }), [query.toString()])
	const [selected, setSelected] = useState<Set<string>>(new Set())
	const [message, setMessage] = useState('')
	const go = (p: Record<string, string>) => navigate(withQuery('/dashboard/attempts', { status, is_dlq: dlq, destination_id: destination, ...p, cursor: p.cursor ?? '' }), true)
	const bulk = useAction(async () => {
		let ok = 0
		const failed: string[] = []
		for (const id of selected) {
			try {
				await post(`/v1/delivery-attempts/${id}/retry`)
				ok++
			} catch (err) {
				failed.push(id)
			}
		}
		setMessage(`${ok} retried${failed.length ? `, ${failed.length} could not be retried (already retried or not failed)` : ''}.`)
		setSelected(new Set())
		list.reload()
	})
	const rows = list.data?.delivery_attempts ?? []
	const retryable = rows.filter((a) => a.status === 'failed')
	const toggle = (id: string) => {
		const next = new Set(selected)
		if (next.has(id)) next.delete(id)
		else next.add(id)
		setSelected(next)
	}
	return (
		<Page title="Delivery attempts & DLQ" actions={canWrite ? <button type="button" class="btn primary" disabled={selected.size === 0 || bulk.busy} onClick={() => bulk.run()}>Retry {selected.size || ''} selected</button> : null}>
			<form class="filters" aria-label="Filter attempts" onSubmit={(e) => e.preventDefault()}>
				<Field label="Status">
					<select value={status} onChange={(e) => go({ status: val(e) })}><option value="">Any</option>{['success', 'failed', 'pending'].map((s) => <option key={s}>{s}</option>)}</select>
				</Field>
				<Field label="Dead-letter queue">
					<select value={dlq} onChange={(e) => go({ is_dlq: val(e) })}><option value="">All attempts</option><option value="true">Only the DLQ (retries exhausted)</option></select>
				</Field>
				{canWrite && retryable.length > 0 ? <button type="button" class="btn small" onClick={() => setSelected(new Set(retryable.map((a) => a.id)))}>Select all failed on this page</button> : null}
			</form>
			{message ? <p class="notice" role="status">{message}</p> : null}
			<ErrorBox error={list.error ?? bulk.error} />
			<Loading loaded={list} />
			{list.data && rows.length === 0 ? <Empty title={dlq ? 'The dead-letter queue is empty.' : 'No delivery attempts yet.'}><p>Attempts appear when a <Link href="/dashboard/connections">connection</Link> delivers an event to its destination.</p></Empty> : null}
			{rows.length > 0 ? (
				<table class="table" data-testid="attempts-list">
					<thead><tr><th scope="col"><span class="sr-only">Select</span></th><th scope="col">#</th><th scope="col">Event</th><th scope="col">Destination</th><th scope="col">Status</th><th scope="col">HTTP</th><th scope="col">Latency</th><th scope="col">When</th><th scope="col">Details</th></tr></thead>
					<tbody>{rows.map((a) => <AttemptRow key={a.id} attempt={a} onRetried={list.reload} select={canWrite && a.status === 'failed' ? { checked: selected.has(a.id), toggle: () => toggle(a.id) } : { checked: false, toggle: () => {} }} />)}</tbody>
				</table>
			) : null}
			<nav class="row pager" aria-label="Pages">
				<button type="button" class="btn" disabled={!cursor} onClick={() => go({})}>First page</button>
				<button type="button" class="btn" disabled={!list.data?.pagination.next_cursor} onClick={() => go({ cursor: list.data?.pagination.next_cursor ?? '' })}>Older</button>
			</nav>
		</Page>
	)
}

interface Issue {
	id: string
	destination_id: string
	destination_name: string | null
	error_type: string
	message: string
	status: string
	occurrence_count: number
	first_seen_at: string
	last_seen_at: string
	snoozed_until: string | null
}

export function Issues() {
	const { canWrite } = useMe()
	const [status, setStatus] = useState('open')
	const list = useLoad(() => get<{ issues: Issue[] }>('/v1/issues', { status, limit: 100 }), [status])
	const [message, setMessage] = useState('')
	const act = useAction(async (issue: Issue, what: string) => {
		if (what === 'retry') {
			const r = await post<{ message: string }>(`/v1/issues/${issue.id}/retry`)
			setMessage(r.message)
		} else if (what === 'snooze') {
			await patch(`/v1/issues/${issue.id}`, { snoozed_until: new Date(Date.now() + 86400000).toISOString() })
		} else await patch(`/v1/issues/${issue.id}`, { status: what })
		list.reload()
	})
	const rows = list.data?.issues ?? []
	return (
		<Page title="Issues">
			<p class="muted">Failures grouped by destination and error type. Acknowledge one while you look into it, resolve it when it is fixed, retry its failed deliveries.</p>
			<div class="filters">
				<Field label="Status">
					<select value={status} onChange={(e) => setStatus(val(e))}><option value="all">Any</option>{['open', 'acknowledged', 'resolved'].map((s) => <option key={s}>{s}</option>)}</select>
				</Field>
			</div>
			{message ? <p class="notice" role="status">{message}</p> : null}
			<ErrorBox error={list.error ?? act.error} />
			<Loading loaded={list} />
			{list.data && rows.length === 0 ? <Empty title={status === 'open' ? 'No open issues: deliveries are healthy.' : 'No issues.'} /> : null}
			{rows.length > 0 ? (
				<table class="table" data-testid="issues-table">
					<thead><tr><th scope="col">Destination</th><th scope="col">Error</th><th scope="col">Status</th><th scope="col">Seen</th><th scope="col">Last</th>{canWrite ? <th scope="col">Actions</th> : null}</tr></thead>
					<tbody>{rows.map((i) => (
						<tr key={i.id}>
							<td><Link href={`/dashboard/destinations/${i.destination_id}`}>{i.destination_name ?? i.destination_id}</Link></td>
							<td><strong>{i.error_type}</strong> <span class="muted">{i.message}</span></td>
							<td><Status value={i.status} />{i.snoozed_until && new Date(i.snoozed_until) > new Date() ? <span class="muted"> snoozed</span> : null}</td>
							<td>{i.occurrence_count}×</td>
							<td><Time iso={i.last_seen_at} /></td>
							{canWrite ? (
								<td><div class="row">
									{i.status === 'open' ? <button type="button" class="btn small" onClick={() => act.run(i, 'acknowledged')}>Acknowledge</button> : null}
									{i.status !== 'resolved' ? <button type="button" class="btn small" onClick={() => act.run(i, 'resolved')}>Resolve</button> : null}
									<button type="button" class="btn small" onClick={() => act.run(i, 'snooze')}>Snooze 24 h</button>
									<button type="button" class="btn small" onClick={() => act.run(i, 'retry')}>Retry failed</button>
								</div></td>
							) : null}
						</tr>
					))}</tbody>
				</table>
			) : null}
		</Page>
	)
}
