import type { ComponentChildren } from 'preact'
import { get } from '../api'
import { ErrorBox, Link, Page, Pre, useLoad, useMe } from '../ui'

interface Counts {
	sources: { id: string; url: string; verification_enabled: number }[]
	destinations: number
	connections: number
	events: number
	issues: number
}

async function counts(): Promise<Counts> {
	const [s, d, c, e, i] = await Promise.all([
		get<{ sources: { id: string; url: string; verification_enabled: number }[] }>('/v1/sources', { limit: 100 }),
		get<{ destinations: unknown[] }>('/v1/destinations', { limit: 100 }),
		get<{ connections: unknown[] }>('/v1/connections', { limit: 100 }),
		get<{ pagination: { total: number } }>('/v1/events', { limit: 1 }),
		get<{ open: number }>('/v1/issues/summary')
	])
	return { sources: s.sources, destinations: d.destinations.length, connections: c.connections.length, events: e.pagination.total, issues: i.open }
}

function Step({ done, n, title, children }: { done: boolean; n: number; title: string; children: ComponentChildren }) {
	return (
		<li class={`step ${done ? 'done' : ''}`}>
			<span class="step-n" aria-hidden="true">{done ? '✓' : n}</span>
			<div><strong>{title}</strong>{done ? <span class="sr-only"> (done)</span> : null}<div class="muted">{children}</div></div>
		</li>
	)
}

/** The landing page: what hookstream does and the next step, until the pipeline is set up; then the numbers. */
export function Overview() {
	const { me, canWrite } = useMe()
	const loaded = useLoad(counts, [])
	const c = loaded.data
	const first = c?.sources[0]
	return (
		<Page title="Overview">
			<ErrorBox error={loaded.error} />
			{c ? (
				<>
					<div class="stats">
						<Link href="/dashboard/sources" class="stat"><strong>{c.sources.length}</strong> sources</Link>
						<Link href="/dashboard/events" class="stat"><strong>{c.events}</strong> events</Link>
						<Link href="/dashboard/destinations" class="stat"><strong>{c.destinations}</strong> destinations</Link>
						<Link href="/dashboard/connections" class="stat"><strong>{c.connections}</strong> connections</Link>
						<Link href="/dashboard/issues" class="stat"><strong>{c.issues}</strong> open issues</Link>
					</div>
					<div class="card" data-testid="getting-started">
						<h2>Getting started in {me.environment.name}</h2>
						<p class="muted">hookstream receives webhooks at a source's URL, checks their signatures, stores every event, and delivers it to your services with retries.</p>
						<ol class="steps">
							<Step n={1} done={c.sources.length > 0} title="Create a source">
								A URL for one sender. {canWrite ? <Link href="/dashboard/sources/new">Pick a provider template</Link> : null}
							</Step>
							<Step n={2} done={c.events > 0} title="Send it an event">
								Point the provider at the source's URL{first && !first.verification_enabled ? ', or try it now:' : '.'}
								{first && !first.verification_enabled ? <Pre label="Example request" text={`curl -X POST ${first.url} -H 'content-type: application/json' -d '{"hello":"world"}'`} /> : null}
								{first && first.verification_enabled ? <> It checks signatures, so send a signed event from the provider (its <Link href={`/dashboard/sources/${first.id}`}>source page</Link> has the URL).</> : null}
							</Step>
							<Step n={3} done={c.destinations > 0} title="Add a destination">
								The endpoint of your service. {canWrite ? <Link href="/dashboard/destinations/new">New destination</Link> : null}
							</Step>
							<Step n={4} done={c.connections > 0} title="Connect them">
								Route events from the source to the destination, with filters and a transform if you like. {canWrite ? <Link href="/dashboard/connections/new">New connection</Link> : null}
							</Step>
						</ol>
					</div>
				</>
			) : null}
		</Page>
	)
}
