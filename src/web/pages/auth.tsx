import { useState } from 'preact/hooks'
import { get, post } from '../api'
import { ErrorBox, Field, Link, Page, useAction, useLoad, useLocation, useMe } from '../ui'

const value = (e: Event) => (e.target as HTMLInputElement).value

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
	const [email, setEmail] = useState('')
	const [password, setPassword] = useState('')
	const action = useAction(async () => {
		await post('/api/auth/sign-in/email', { email, password })
		onSignedIn()
	})
	const submit = (e: Event) => {
		e.preventDefault()
		action.run()
	}
	return (
		<main class="auth" id="main">
			<div class="card">
				<h1>Sign in to hookstream</h1>
				<p class="muted">A self-hosted gateway for webhooks: receive them, verify them, deliver them.</p>
				<form onSubmit={submit}>
					<Field label="Email">
						<input name="email" type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(value(e))} />
					</Field>
					<Field label="Password">
						<input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(value(e))} />
					</Field>
					<ErrorBox error={action.error} />
					<button type="submit" class="btn primary" disabled={action.busy}>{action.busy ? 'Signing in…' : 'Sign in'}</button>
				</form>
			</div>
			<div class="card first-run" data-testid="first-run">
				<h2>First time here?</h2>
				<p>This server has no public sign-up. Its first account, the owner, is made on the machine that runs it:</p>
				<pre class="code">echo 'a-long-password' | hookstream --create-admin-user --email you@example.com</pre>
				<p class="muted">In a container, set <code>HOOKSTREAM_ADMIN_EMAIL</code> and <code>HOOKSTREAM_ADMIN_PASSWORD</code> instead. Teammates join through an invitation link that an owner or admin creates under Settings. Scripts use API keys: see the <a href="/docs">API reference</a>.</p>
				<p>Just want to look at a webhook? <a href="/dashboard/test">Start a test session</a>: a throwaway URL and a live inspector, no account needed.</p>
			</div>
		</main>
	)
}

interface InvitationView {
	invitation: { id: string; email: string; role: string; status: string; expires_at: string }
	organization: { id: string; name: string }
}

/** Public: the invitee has no account yet; accepting creates it and signs them in. */
export function Invitation({ id, onDone }: { id: string; onDone: () => void }) {
	const loaded = useLoad(() => get<InvitationView>(`/v1/invitations/${encodeURIComponent(id)}`), [id])
	const [name, setName] = useState('')
	const [password, setPassword] = useState('')
	const action = useAction(async () => {
		await post(`/v1/invitations/${encodeURIComponent(id)}/accept`, { name, password })
		onDone()
	})
	const inv = loaded.data
	return (
		<main class="auth" id="main">
			<div class="card">
				<h1>Join {inv ? inv.organization.name : 'an organization'}</h1>
				<ErrorBox error={loaded.error} />
				{inv && inv.invitation.status !== 'pending' ? <p role="alert">This invitation is {inv.invitation.status}. Ask for a new one.</p> : null}
				{inv && inv.invitation.status === 'pending' ? (
					<form onSubmit={(e) => { e.preventDefault(); action.run() }}>
						<p>You were invited as <strong>{inv.invitation.role}</strong> with <strong>{inv.invitation.email}</strong>. Choose your name and a password (at least 8 characters).</p>
						<Field label="Your name">
							<input name="name" required value={name} onInput={(e) => setName(value(e))} />
						</Field>
						<Field label="Password">
							<input name="password" type="password" autoComplete="new-password" minLength={8} required value={password} onInput={(e) => setPassword(value(e))} />
						</Field>
						<ErrorBox error={action.error} />
						<button type="submit" class="btn primary" disabled={action.busy}>Accept and sign in</button>
					</form>
				) : null}
			</div>
		</main>
	)
}

/** `/dashboard/cli-auth?code=XXXX-XXXX`: a signed-in person approves the CLI's device login. */
export function CliAuth() {
	const { me } = useMe()
	const { query } = useLocation()
	const [code, setCode] = useState(query.get('code') ?? '')
	const [done, setDone] = useState(false)
	const action = useAction(async () => {
		await post('/v1/auth/device/approve', { user_code: code.trim().toUpperCase() })
		setDone(true)
	})
	return (
		<Page title="Approve a CLI login">
			{done ? (
				<div class="notice ok" role="status">
					Approved. The CLI gets an API key for <strong>{me.environment.name}</strong>{me.role === 'viewer' ? ' (read-only)' : ''}; you can close this tab.
				</div>
			) : (
				<form class="card narrow" onSubmit={(e) => { e.preventDefault(); action.run() }}>
					<p>A <code>hookstream</code> command on some computer asked to sign in as <strong>{me.user?.email}</strong>. Approve only if you started it and the code matches what it shows.</p>
					<Field label="Code shown by the CLI" hint="Format XXXX-XXXX">
						<input name="user_code" required value={code} onInput={(e) => setCode(value(e))} />
					</Field>
					<p class="muted">The key will work in the environment <strong>{me.environment.name}</strong> (switch it in the sidebar first to pick another).</p>
					<ErrorBox error={action.error} />
					<div class="row">
						<button type="submit" class="btn primary" disabled={action.busy}>Approve</button>
						<Link href="/" class="btn">Cancel</Link>
					</div>
				</form>
			)}
		</Page>
	)
}
