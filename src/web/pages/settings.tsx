import { useState } from 'preact/hooks'
import { del, get, patch, post } from '../api'
import { confirmed, CopyButton, Empty, ErrorBox, Field, Loading, Page, Pre, Time, useAction, useLoad, useMe } from '../ui'

const ROLES = ['owner', 'admin', 'member', 'viewer']
const val = (e: Event) => (e.target as HTMLInputElement).value

interface Member { id: string; email: string; name: string; role: string; created_at: string }
interface Invite { id: string; email: string; role: string; status: string; expires_at: string }
interface ApiKey { id: string; name: string; key_prefix: string; env_id: string; request_count: number; revoked: boolean; created_at: string; last_used_at: string | null }

const inviteLink = (id: string) => `${location.origin}/dashboard/invitations/${id}`

function Members() {
	const { me, canAdmin } = useMe()
	const members = useLoad(() => get<{ members: Member[] }>('/v1/members'), [])
	const invites = useLoad(() => (canAdmin ? get<{ invitations: Invite[] }>('/v1/invitations') : Promise.resolve({ invitations: [] })), [])
	const [email, setEmail] = useState('')
	const [role, setRole] = useState('member')
	const [created, setCreated] = useState<string | null>(null)
	const invite = useAction(async () => {
		const r = await post<{ invitation: Invite }>('/v1/invitations', { email, role })
		setCreated(inviteLink(r.invitation.id))
		setEmail('')
		invites.reload()
	})
	const change = useAction(async (m: Member, to: string) => {
		await patch(`/v1/members/${m.id}`, { role: to })
		members.reload()
	})
	const remove = useAction(async (m: Member) => {
		if (!confirmed(`Remove ${m.email} from ${me.organization.name}?`)) return
		await del(`/v1/members/${m.id}`)
		members.reload()
	})
	const cancel = useAction(async (i: Invite) => {
		await del(`/v1/invitations/${i.id}`)
		invites.reload()
	})
	return (
		<section class="card" aria-labelledby="members-h">
			<h2 id="members-h">Members</h2>
			<ErrorBox error={members.error ?? change.error ?? remove.error ?? cancel.error} />
			<Loading loaded={members} />
			<table class="table">
				<thead><tr><th scope="col">Person</th><th scope="col">Role</th><th scope="col">Since</th>{canAdmin ? <th scope="col">Actions</th> : null}</tr></thead>
				<tbody>{(members.data?.members ?? []).map((m) => (
					<tr key={m.id}>
						<td>{m.name} <span class="muted">{m.email}</span></td>
						<td>{canAdmin ? (
							<select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e) => change.run(m, val(e))}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
						) : m.role}</td>
						<td><Time iso={m.created_at} /></td>
						{canAdmin ? <td><button type="button" class="btn small danger" onClick={() => remove.run(m)}>Remove</button></td> : null}
					</tr>
				))}</tbody>
			</table>
			{canAdmin ? (
				<>
					<h3>Invite someone</h3>
					<form class="row" onSubmit={(e) => { e.preventDefault(); invite.run() }}>
						<Field label="Email"><input type="email" name="invite_email" required value={email} onInput={(e) => setEmail(val(e))} /></Field>
						<Field label="Role"><select name="invite_role" value={role} onChange={(e) => setRole(val(e))}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select></Field>
						<button type="submit" class="btn primary" disabled={invite.busy}>Create invitation link</button>
					</form>
					<ErrorBox error={invite.error} />
					{created ? <div class="notice" role="status"><p>Send this link to the person (no mail server is configured):</p><div class="row"><code class="url" data-testid="invite-link">{created}</code><CopyButton text={created} label="Copy link" /></div></div> : null}
					{(invites.data?.invitations ?? []).length > 0 ? (
						<>
							<h3>Pending invitations</h3>
							<ul class="plain">{invites.data?.invitations.map((i) => (
								<li key={i.id} class="row">{i.email} · {i.role} · expires <Time iso={i.expires_at} /> <CopyButton text={inviteLink(i.id)} label="Copy link" /> <button type="button" class="btn small" onClick={() => cancel.run(i)}>Cancel</button></li>
							))}</ul>
						</>
					) : null}
				</>
			) : <p class="muted">Owners and admins invite people and change roles.</p>}
		</section>
	)
}

function ApiKeys() {
	const { me } = useMe()
	const keys = useLoad(() => get<{ api_keys: ApiKey[] }>('/v1/auth/api-keys'), [])
	const [name, setName] = useState('')
	const [env, setEnv] = useState(me.environment.id)
	const [secret, setSecret] = useState<string | null>(null)
	const create = useAction(async () => {
		const r = await post<{ key: string }>('/v1/auth/api-keys', { name, env_id: env })
		setSecret(r.key)
		setName('')
		keys.reload()
	})
	const revoke = useAction(async (k: ApiKey) => {
		if (!confirmed(`Revoke "${k.name}"? Anything using it stops working at once.`)) return
		await del(`/v1/auth/api-keys/${k.id}`)
		keys.reload()
	})
	const envName = (id: string) => me.environments.find((e) => e.id === id)?.name ?? id
	const live = (keys.data?.api_keys ?? []).filter((k) => !k.revoked)
	return (
		<section class="card" aria-labelledby="keys-h">
			<h2 id="keys-h">API keys</h2>
			<p class="muted">For scripts and CI: send <code>X-API-Key: hs_live_…</code> or <code>Authorization: Bearer hs_live_…</code>. A key works in one environment.</p>
			<form class="row" onSubmit={(e) => { e.preventDefault(); create.run() }}>
				<Field label="Key name"><input name="key_name" required value={name} onInput={(e) => setName(val(e))} placeholder="ci deploys" /></Field>
				<Field label="Works in environment"><select name="key_env" value={env} onChange={(e) => setEnv(val(e))}>{me.environments.map((e) => <option key={e.id} value={e.id}>{e.name}</option>)}</select></Field>
				<button type="submit" class="btn primary" disabled={create.busy}>Create key</button>
			</form>
			<ErrorBox error={create.error ?? keys.error ?? revoke.error} />
			{secret ? (
				<div class="notice" role="status">
					<p><strong>Copy this key now: it is shown only once.</strong></p>
					<div class="row"><code class="url" data-testid="new-api-key">{secret}</code><CopyButton text={secret} label="Copy key" /></div>
					<Pre label="Try it" text={`curl -H 'x-api-key: ${secret}' ${location.origin}/v1/sources`} />
					<button type="button" class="btn small" onClick={() => setSecret(null)}>Done</button>
				</div>
			) : null}
			{keys.data && live.length === 0 ? <Empty title="No API keys yet." /> : null}
			{live.length > 0 ? (
				<table class="table" data-testid="keys-table">
					<thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Environment</th><th scope="col">Requests</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead>
					<tbody>{live.map((k) => (
						<tr key={k.id}>
							<td>{k.name}</td><td class="mono">{k.key_prefix}…</td><td>{envName(k.env_id)}</td><td>{k.request_count}</td><td><Time iso={k.last_used_at} /></td>
							<td><button type="button" class="btn small danger" onClick={() => revoke.run(k)}>Revoke</button></td>
						</tr>
					))}</tbody>
				</table>
			) : null}
		</section>
	)
}

function Environments() {
	const { me, canAdmin, reload } = useMe()
	const [name, setName] = useState('')
	const create = useAction(async () => {
		await post('/v1/environments', { name, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') })
		setName('')
		reload()
	})
	const remove = useAction(async (id: string, label: string) => {
		if (!confirmed(`Delete the environment "${label}"? If it still holds sources, events or keys, the server refuses unless you force it from the API.`)) return
		await del(`/v1/environments/${id}`)
		reload()
	})
	return (
		<section class="card" aria-labelledby="envs-h">
			<h2 id="envs-h">Environments</h2>
			<p class="muted">Separate sets of sources, destinations, events and keys (for example production and staging). Switch between them in the sidebar.</p>
			<ErrorBox error={create.error ?? remove.error} />
			<ul class="plain">{me.environments.map((e) => (
				<li key={e.id} class="row">{e.name} <span class="muted mono">{e.slug}</span>{e.id === me.environment.id ? <span class="badge ok">current</span> : null}{canAdmin && me.environments.length > 1 ? <button type="button" class="btn small danger" onClick={() => remove.run(e.id, e.name)}>Delete</button> : null}</li>
			))}</ul>
			{canAdmin ? (
				<form class="row" onSubmit={(e) => { e.preventDefault(); create.run() }}>
					<Field label="New environment name"><input name="env_name" required value={name} onInput={(e) => setName(val(e))} placeholder="Staging" /></Field>
					<button type="submit" class="btn" disabled={create.busy}>Create environment</button>
				</form>
			) : null}
		</section>
	)
}

export function Settings() {
	const { canAdmin } = useMe()
	return (
		<Page title="Settings">
			<Members />
			{canAdmin ? <ApiKeys /> : <section class="card"><h2>API keys</h2><p class="muted">Owners and admins create and revoke API keys.</p></section>}
			<Environments />
		</Page>
	)
}
