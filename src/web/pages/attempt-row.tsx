import { useState } from 'preact/hooks'
import { post } from '../api'
import { ErrorBox, Link, Pre, Status, Time, useAction, useMe } from '../ui'

export interface Attempt {
	id: string
	event_id: string
	destination_id: string
	destination_name: string | null
	request_url: string
	request_method: string
	request_headers: string | null
	response_status: number | null
	response_headers: string | null
	response_body: string | null
	latency_ms: number | null
	status: string
	error: string | null
	error_type: string | null
	created_at: string
	attempt_number: number | null
	next_retry_at: string | null
	is_dlq: number | null
}

const pretty = (json: string | null) => {
	if (!json) return '—'
	try {
		return JSON.stringify(JSON.parse(json), null, 2)
	} catch {
		return json
	}
}

/** One delivery attempt: a table row, and a second row with the request and response when opened. */
export function AttemptRow({ attempt: a, onRetried, select }: { attempt: Attempt; onRetried: () => void; select?: { checked: boolean; toggle: () => void } }) {
	const { canWrite } = useMe()
	const [open, setOpen] = useState(false)
	const [message, setMessage] = useState('')
	const retry = useAction(async () => {
		const r = await post<{ message: string }>(`/v1/delivery-attempts/${a.id}/retry`)
		setMessage(r.message)
		onRetried()
	})
	const cols = select ? 9 : 7
	return (
		<>
			<tr data-testid="attempt-row">
				{select ? <td><input type="checkbox" aria-label={`Select attempt ${a.id}`} checked={select.checked} onChange={select.toggle} /></td> : null}
				<td>{a.attempt_number ?? '—'}</td>
				{select ? <td><Link href={`/dashboard/events/${a.event_id}`} class="mono">{a.event_id.slice(0, 14)}…</Link></td> : null}
				<td>{a.destination_name ?? a.destination_id}</td>
				<td><Status value={a.status} />{a.is_dlq ? <> <Status value="dlq" /></> : null}</td>
				<td>{a.response_status ?? '—'}</td>
				<td>{a.latency_ms === null ? '—' : `${a.latency_ms} ms`}</td>
				<td><Time iso={a.created_at} /></td>
				<td><div class="row">
					<button type="button" class="btn small" aria-expanded={open} onClick={() => setOpen(!open)}>{open ? 'Hide' : 'Show'}</button>
					{canWrite && a.status === 'failed' ? <button type="button" class="btn small" onClick={() => retry.run()} disabled={retry.busy}>Retry</button> : null}
				</div></td>
			</tr>
			{open || message || retry.error ? (
				<tr class="detail-row">
					<td colSpan={cols}>
						<ErrorBox error={retry.error} />
						{message ? <p role="status">{message}</p> : null}
						{open ? (
							<div class="split">
								<div>
									<h3>Request</h3>
									<p class="mono">{a.request_method} {a.request_url}</p>
									<Pre label="Request headers" text={pretty(a.request_headers)} />
								</div>
								<div>
									<h3>Response</h3>
									{a.error ? <p class="error">{a.error_type ? `${a.error_type}: ` : ''}{a.error}</p> : null}
									{a.next_retry_at ? <p class="muted">Next retry <Time iso={a.next_retry_at} /></p> : null}
									<Pre label="Response headers" text={pretty(a.response_headers)} />
									<Pre label="Response body" text={a.response_body ?? '—'} />
								</div>
							</div>
						) : null}
					</td>
				</tr>
			) : null}
		</>
	)
}
