import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ApiError, currentEnv, get, post, setCurrentEnv } from './api'
import { Alerts } from './pages/alerts'
import { Attempts, Issues } from './pages/attempts'
import { CliAuth, Invitation, SignIn } from './pages/auth'
import { ConnectionNew, Connections } from './pages/connections'
import { DestinationDetail, DestinationNew, Destinations } from './pages/destinations'
import { EventDetail, Events } from './pages/events'
import { Metrics } from './pages/metrics'
import { TestInspector, TestStart } from './pages/inspector'
import { Overview } from './pages/overview'
import { ReplayDetail, Replays } from './pages/replay'
import { Settings } from './pages/settings'
import { SourceDetail, SourceNew, Sources } from './pages/sources'
import { ErrorBox, Field, Link, type Me, MeContext, navigate, useLocation } from './ui'

const NAV: [string, string][] = [
	['/', 'Overview'],
	['/dashboard/sources', 'Sources'],
	['/dashboard/events', 'Events'],
	['/dashboard/destinations', 'Destinations'],
	['/dashboard/connections', 'Connections'],
	['/dashboard/attempts', 'Attempts & DLQ'],
	['/dashboard/issues', 'Issues'],
	['/dashboard/metrics', 'Metrics'],
	['/dashboard/alerts', 'Alerts'],
	['/dashboard/replay', 'Replay'],
	['/dashboard/settings', 'Settings']
]

function Content({ path }: { path: string }) {
	const parts = path.replace(/\/+$/, '').split('/').slice(2)
	const [section, id] = parts
	switch (section) {
		case undefined:
			return <Overview />
		case 'sources':
			return id === 'new' ? <SourceNew /> : id ? <SourceDetail id={id} /> : <Sources />
		case 'events':
			return id ? <EventDetail id={id} /> : <Events />
		case 'destinations':
			return id === 'new' ? <DestinationNew /> : id ? <DestinationDetail id={id} /> : <Destinations />
		case 'connections':
			return id === 'new' ? <ConnectionNew /> : <Connections />
		case 'attempts':
			return <Attempts />
		case 'issues':
			return <Issues />
		case 'metrics':
			return <Metrics />
		case 'alerts':
			return <Alerts />
		case 'replay':
			return id ? <ReplayDetail id={id} /> : <Replays />
		case 'settings':
			return <Settings />
		case 'cli-auth':
			return <CliAuth />
		default:
			return <p>No such page. <Link href="/">Go to the overview</Link>.</p>
	}
}

function EnvSwitcher({ me, onSwitch }: { me: Me; onSwitch: (id: string) => void }) {
	return (
		<Field label="Environment">
			<select data-testid="env-switcher" value={me.environment.id} onChange={(e) => onSwitch((e.target as HTMLSelectElement).value)}>
				{me.environments.map((e) => <option key={e.id} value={e.id}>{e.name}</option>)}
			</select>
		</Field>
	)
}

function Shell({ me, reload }: { me: Me; reload: () => void }) {
	const { path } = useLocation()
	const active = (href: string) => (href === '/' ? path === '/' || path === '/dashboard' : path.startsWith(href))
	const signOut = async () => {
		await post('/api/auth/sign-out').catch(() => null)
		reload()
	}
	const switchEnv = (id: string) => {
		setCurrentEnv(id)
		reload()
		if (/\/dashboard\/\w+\/./.test(path)) navigate(path.split('/').slice(0, 3).join('/'))
	}
	return (
		<MeContext.Provider value={{ me, reload }}>
			<a class="skip" href="#main">Skip to content</a>
			<div class="shell">
				<aside class="sidebar">
					<div class="brand">hookstream</div>
					<p class="org">{me.organization.name}</p>
					<EnvSwitcher me={me} onSwitch={switchEnv} />
					<nav aria-label="Main">
						<ul>
							{NAV.map(([href, label]) => (
								<li key={href}>
									<Link href={href} class={active(href) ? 'active' : ''} aria-current={active(href) ? 'page' : undefined}>{label}</Link>
								</li>
							))}
						</ul>
					</nav>
					<div class="who">
						<span><span data-testid="who">{me.user?.email}</span> <span class="badge">{me.role}</span></span>
						<button type="button" class="btn small" onClick={signOut}>Sign out</button>
						<a href="/docs" class="muted">API reference</a>
					</div>
				</aside>
				<main id="main" tabIndex={-1} key={me.environment.id}>
					<Content path={path} />
				</main>
			</div>
		</MeContext.Provider>
	)
}

function App() {
	const { path } = useLocation()
	const [state, setState] = useState<{ me: Me | null; error: unknown; ready: boolean }>({ me: null, error: null, ready: false })
	const load = async () => {
		try {
			// Signed out is an answer here (null), not a 401 in the console.
			if ((await get<unknown>('/api/auth/get-session')) === null) return setState({ me: null, error: null, ready: true })
			const me = await get<Me>('/v1/me')
			// A remembered environment that is gone (deleted, other organization): fall back to the default.
			if (currentEnv() !== me.environment.id) setCurrentEnv(me.environment.id)
			setState({ me, error: null, ready: true })
		} catch (err) {
			if (err instanceof ApiError && err.status === 404 && currentEnv()) {
				localStorage.removeItem('hookstream.env')
				return load()
			}
			setState({ me: null, error: err instanceof ApiError && err.status === 401 ? null : err, ready: true })
		}
	}
	useEffect(() => {
		load()
	}, [])
	const invitation = /^\/dashboard\/invitations\/([^/]+)/.exec(path)
	if (invitation) return <Invitation id={invitation[1] as string} onDone={() => { navigate('/'); load() }} />
	// Test sessions are public: the inspector needs no sign-in.
	const test = /^\/dashboard\/test(?:\/([^/]+))?\/?$/.exec(path)
	if (test) return test[1] ? <TestInspector id={test[1]} /> : <TestStart />
	if (!state.ready) return <p class="boot muted">Loading…</p>
	if (!state.me) {
		return (
			<>
				<ErrorBox error={state.error} />
				<SignIn onSignedIn={load} />
			</>
		)
	}
	return <Shell me={state.me} reload={load} />
}

render(<App />, document.getElementById('app') as HTMLElement)
