import { useState } from 'preact/hooks'
import { del, get, post } from '../api'
import { usePolling } from '../live'
import { Empty, ErrorBox, Field, Link, Loading, navigate, Page, Status, Time, useAction, useLoad, useMe } from '../ui'

interface Job {
	id: string
	destination_id: string
	source_id: string | null
	from: string
	to: string
	rate_limit: number
	max_events: number
	status: string
	total: number
	enqueued: number
	processed: number
	succeeded: number
	failed: number
	skipped: number
	error: string | null
	started_at: string
	completed_at: string | null
}

const val = (e: Event) => (e.target as HTMLInputElement).value
/** A datetime-local value (the browser's local time, minutes) for a moment. */
const local = (ms: number) => {
	const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000)
	return d.toISOString().slice(0, 16)
}

async function loadOptions() {
	const [d, s] = await Promise.all([
		get<{ destinations: { id: string; name: string }[] }>('/v1/destinations', { limit: 100 }),
		get<{ sources: { id: string; name: string }[] }>('/v1/sources', { limit: 100 })
	])
	return { destinations: d.destinations, sources: s.sources }
}

function NewReplay({ onCreated }: { onCreated: () => void }) {
	const options = useLoad(loadOptions, [])
	const now = Date.now()
	const [f, setF] = useState({ destination: '', source: '', from: local(now - 24 * 3600_000), to: local(now + 60_000), rate: '10', max: '1000' })
	const set = (p: Partial<typeof f>) => setF({ ...f, ...p })
	const dests = options.data?.destinations ?? []
	const create = useAction(async () => {
		const body = {
			destination_id: f.destination || dests[0]?.id, source_id: f.source || undefined,
			from: new Date(f.from).toISOString(), to: new Date(f.to).toISOString(), rate_limit: Number(f.rate), max_events: Number(f.max)
		}
		const { job } = await post<{ job: Job }>('/v1/replay', body)
		onCreated()
		navigate(`/dashboard/replay/${job.id}`)
	})
	if (options.data && dests.length === 0) return <Empty title="Nothing to replay to yet"><p>Replay re-delivers stored events to a destination. <Link href="/dashboard/destinations/new">Add a destination</Link> and a connection first.</p></Empty>
	return (
		<form class="card form" aria-labelledby="new-replay" onSubmit={(e) => { e.preventDefault(); create.run() }}>
			<h2 id="new-replay">New replay</h2>
			<ErrorBox error={options.error} />
			<div class="row">
				<Field label="Destination">
					<select required value={f.destination || dests[0]?.id} onChange={(e) => set({ destination: val(e) })}>{dests.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}</select>
				</Field>
				<Field label="Source" hint="Only this source's events">
					<select value={f.source} onChange={(e) => set({ source: val(e) })}>
						<option value="">Every connected source</option>
						{options.data?.sources.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
					</select>
				</Field>
			</div>
			<div class="row">
				<Field label="From" hint="Your local time"><input type="datetime-local" required value={f.from} onInput={(e) => set({ from: val(e) })} /></Field>
				<Field label="To"><input type="datetime-local" required value={f.to} onInput={(e) => set({ to: val(e) })} /></Field>
				<Field label="Events per second"><input type="number" min={1} max={100} required value={f.rate} onInput={(e) => set({ rate: val(e) })} /></Field>
				<Field label="At most (events)"><input type="number" min={1} max={10000} required value={f.max} onInput={(e) => set({ max: val(e) })} /></Field>
			</div>
			<p class="muted">Events that reach the destination through a connection are re-delivered oldest first through the normal pipeline (filters, transform, retries).</p>
			<ErrorBox error={create.error} />
			<button type="submit" class="btn primary" disabled={create.busy || !options.data}>Start replay</button>
		</form>
	)
}

function Progress({ job }: { job: Job }) {
	const pct = job.total ? Math.round((100 * job.processed) / job.total) : 100
	return (
		<div class="progress-wrap">
			<progress max={job.total || 1} value={job.total ? job.processed : 1} aria-label={`Replay progress: ${job.processed} of ${job.total}`} />
			<span>{job.processed} / {job.total} ({pct}%)</span>
		</div>
	)
}

export function Replays() {
	const list = useLoad(() => get<{ jobs: Job[] }>('/v1/replay'), [])
	const { canWrite } = useMe()
	const jobs = list.data?.jobs ?? []
	usePolling(list.reload, 2000, jobs.some((j) => j.status === 'running'))
	return (
		<Page title="Replay">
			{canWrite ? <NewReplay onCreated={list.reload} /> : null}
			<h2>Jobs</h2>
			<ErrorBox error={list.error} />
			<Loading loaded={list} />
			{list.data && jobs.length === 0 ? <Empty title="No replays yet"><p class="muted">Jobs show here with their progress; finished jobs are kept 7 days.</p></Empty> : null}
			{jobs.length > 0 ? (
				<table class="table" data-testid="replay-table">
					<thead><tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Started</th></tr></thead>
					<tbody>{jobs.map((j) => (
						<tr key={j.id}>
							<td><Link href={`/dashboard/replay/${j.id}`}>{j.id}</Link></td>
							<td><Status value={j.status} /></td>
							<td><Progress job={j} /></td>
							<td><Time iso={j.started_at} /></td>
						</tr>
					))}</tbody>
				</table>
			) : null}
		</Page>
	)
}

export function ReplayDetail({ id }: { id: string }) {
	const { canWrite } = useMe()
	const loaded = useLoad(() => get<{ job: Job }>(`/v1/replay/${encodeURIComponent(id)}`), [id])
	const job = loaded.data?.job
	const dest = useLoad(async () => (job ? (await get<{ destination: { name: string } }>(`/v1/destinations/${job.destination_id}`)).destination.name : null), [job?.destination_id])
	usePolling(loaded.reload, 1000, job?.status === 'running')
	const cancel = useAction(async () => {
		await del(`/v1/replay/${id}`)
		loaded.reload()
	})
	return (
		<Page title="Replay job" actions={canWrite && job?.status === 'running' ? <button type="button" class="btn danger" disabled={cancel.busy} onClick={() => cancel.run()}>Cancel replay</button> : null}>
			<p><Link href="/dashboard/replay">← Replay</Link></p>
			<ErrorBox error={loaded.error ?? cancel.error} />
			<Loading loaded={loaded} />
			{job ? (
				<>
					<div class="card" aria-live="polite" data-testid="replay-progress">
						<p><span data-testid="replay-status"><Status value={job.status} /></span> {job.status === 'running' ? 'updating every second' : job.completed_at ? <>finished <Time iso={job.completed_at} /></> : null}</p>
						<Progress job={job} />
						<p>{job.succeeded} succeeded · {job.failed} failed (DLQ) · {job.skipped} skipped · {job.enqueued} handed to the pipeline</p>
						{job.error ? <p class="error">{job.error}</p> : null}
					</div>
					<dl class="facts">
						<dt>ID</dt><dd class="mono">{job.id}</dd>
						<dt>Destination</dt><dd><Link href={`/dashboard/destinations/${job.destination_id}`}>{dest.data ?? job.destination_id}</Link></dd>
						<dt>Source</dt><dd>{job.source_id ?? 'every connected source'}</dd>
						<dt>Window</dt><dd>{new Date(job.from).toLocaleString()} – {new Date(job.to).toLocaleString()}</dd>
						<dt>Rate</dt><dd>{job.rate_limit} events/s, at most {job.max_events}</dd>
						<dt>Attempts</dt><dd><Link href={`/dashboard/attempts?destination_id=${job.destination_id}`}>Delivery attempts of this destination</Link></dd>
					</dl>
				</>
			) : null}
		</Page>
	)
}
