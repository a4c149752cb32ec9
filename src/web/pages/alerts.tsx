import { useState } from 'preact/hooks'
import { del, get, post } from '../api'
import { confirmed, Empty, ErrorBox, Field, Loading, Page, Time, useAction, useLoad, useMe } from '../ui'
import { type Channel, Channels, loadChannels } from './channels'

interface Rule {
	id: string
	name: string
	rule_type: string
	rule_config: string
	destination_id: string | null
	source_id: string | null
	channel_ids: string
	cooldown_minutes: number
	state: string
	last_triggered_at: string | null
	last_value: number | null
	trigger_count: number
}

/** Each rule type's threshold: what it means and the unit the API reads it in. */
const RULES: Record<string, { label: string; threshold: string | null; scope: 'destination' | 'source' }> = {
	failure_rate: { label: 'Failure rate above', threshold: 'Failure rate (%)', scope: 'destination' },
	latency: { label: 'Latency above', threshold: 'p95 latency (ms)', scope: 'destination' },
	volume_drop: { label: 'Volume drops by', threshold: 'Drop versus the previous window (%)', scope: 'source' },
	dlq: { label: 'Dead-lettered deliveries above', threshold: 'Deliveries sent to the DLQ', scope: 'destination' },
	issue_opened: { label: 'An issue opens', threshold: null, scope: 'destination' }
}
const val = (e: Event) => (e.target as HTMLInputElement).value

async function loadOptions() {
	const [c, d, s] = await Promise.all([
		loadChannels(),
		get<{ destinations: { id: string; name: string }[] }>('/v1/destinations', { limit: 100 }),
		get<{ sources: { id: string; name: string }[] }>('/v1/sources', { limit: 100 })
	])
	return { channels: c.channels as Channel[], destinations: d.destinations, sources: s.sources }
}
type Options = Awaited<ReturnType<typeof loadOptions>>

function NewRule({ options, onCreated }: { options: Options; onCreated: () => void }) {
	const [f, setF] = useState({ name: '', type: 'failure_rate', threshold: '10', window: '15', scope: '', channels: [] as string[] })
	const set = (p: Partial<typeof f>) => setF({ ...f, ...p })
	const meta = RULES[f.type] as (typeof RULES)[string]
	const create = useAction(async () => {
		const rule_config: Record<string, unknown> = { window_minutes: Number(f.window) }
		if (meta.threshold) rule_config[f.type === 'latency' ? 'threshold_ms' : 'threshold'] = Number(f.threshold)
		const scope = f.scope ? { [meta.scope === 'source' ? 'source_id' : 'destination_id']: f.scope } : {}
		await post('/v1/alert-rules', { name: f.name, rule_type: f.type, rule_config, channel_ids: f.channels, ...scope })
		set({ name: '' })
		onCreated()
	})
	const toggle = (id: string, on: boolean) => set({ channels: on ? [...f.channels, id] : f.channels.filter((c) => c !== id) })
	const scopes = meta.scope === 'source' ? options.sources : options.destinations
	return (
		<form class="card form" aria-labelledby="new-rule" onSubmit={(e) => { e.preventDefault(); create.run() }}>
			<h3 id="new-rule">New alert rule</h3>
			<div class="row">
				<Field label="Rule name"><input required value={f.name} onInput={(e) => set({ name: val(e) })} /></Field>
				<Field label="Fires when">
					<select value={f.type} onChange={(e) => set({ type: val(e), scope: '' })}>{Object.entries(RULES).map(([k, v]) => <option key={k} value={k}>{v.label}</option>)}</select>
				</Field>
			</div>
			<div class="row">
				{meta.threshold ? <Field label={meta.threshold}><input type="number" min={0} step="any" required value={f.threshold} onInput={(e) => set({ threshold: val(e) })} /></Field> : null}
				<Field label="Window (minutes)"><input type="number" min={1} max={1440} required value={f.window} onInput={(e) => set({ window: val(e) })} /></Field>
				<Field label={meta.scope === 'source' ? 'Source' : 'Destination'}>
					<select value={f.scope} onChange={(e) => set({ scope: val(e) })}>
						<option value="">{meta.scope === 'source' ? 'All sources' : 'All destinations'}</option>
						{scopes.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
					</select>
				</Field>
			</div>
			<fieldset class="plain">
				<legend>Notify</legend>
				{options.channels.length === 0 ? <p class="muted">Create a channel above first: a rule notifies channels.</p> : options.channels.map((c) => (
					<label key={c.id} class="check"><input type="checkbox" checked={f.channels.includes(c.id)} onChange={(e) => toggle(c.id, (e.target as HTMLInputElement).checked)} /> {c.name} <span class="muted">({c.channel_type})</span></label>
				))}
			</fieldset>
			<ErrorBox error={create.error} />
			<button type="submit" class="btn primary" disabled={create.busy}>Create rule</button>
		</form>
	)
}

function RuleRow({ r, options, canWrite, onChange }: { r: Rule; options: Options; canWrite: boolean; onChange: () => void }) {
	const remove = useAction(async () => {
		if (!confirmed(`Delete alert rule "${r.name}"?`)) return
		await del(`/v1/alert-rules/${r.id}`)
		onChange()
	})
	const names = (JSON.parse(r.channel_ids) as string[]).map((id) => options.channels.find((c) => c.id === id)?.name ?? id)
	const scope = r.destination_id ? options.destinations.find((d) => d.id === r.destination_id)?.name ?? r.destination_id : r.source_id ? options.sources.find((s) => s.id === r.source_id)?.name ?? r.source_id : 'everything'
	return (
		<tr data-testid="rule-row">
			<td>{r.name}<div class="muted">{r.rule_type} <span class="mono">{r.rule_config}</span></div></td>
			<td>{scope}</td>
			<td>{names.join(', ') || <span class="muted">nobody</span>}</td>
			<td><span class={`badge ${r.state === 'firing' ? 'bad' : 'ok'}`}>{r.state}</span><div class="muted">{r.trigger_count} triggers, last <Time iso={r.last_triggered_at} /></div></td>
			<td>{canWrite ? <button type="button" class="btn small danger" onClick={() => remove.run()} aria-label={`Delete rule ${r.name}`}>Delete</button> : null}<ErrorBox error={remove.error} /></td>
		</tr>
	)
}

function Rules({ version }: { version: number }) {
	const { canWrite } = useMe()
	const rules = useLoad(() => get<{ alert_rules: Rule[] }>('/v1/alert-rules'), [])
	const options = useLoad(loadOptions, [version])
	const rows = rules.data?.alert_rules ?? []
	return (
		<section aria-labelledby="rules-title">
			<h2 id="rules-title">Alert rules</h2>
			<p class="muted">Checked every few minutes over the rule's window; a breach notifies its channels (at most once per cooldown, 60 min by default).</p>
			<ErrorBox error={rules.error ?? options.error} />
			<Loading loaded={rules} />
			{rules.data && rows.length === 0 ? <Empty title="No alert rules yet"><p>{canWrite ? 'Create one below, e.g. "failure rate above 10 %" for a destination.' : 'Nothing to show.'}</p></Empty> : null}
			{rows.length > 0 && options.data ? (
				<table class="table" data-testid="rules-table">
					<thead><tr><th scope="col">Rule</th><th scope="col">Scope</th><th scope="col">Channels</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
					<tbody>{rows.map((r) => <RuleRow key={r.id} r={r} options={options.data as Options} canWrite={canWrite} onChange={rules.reload} />)}</tbody>
				</table>
			) : null}
			{canWrite && options.data ? <NewRule options={options.data} onCreated={rules.reload} /> : null}
		</section>
	)
}

export function Alerts() {
	const [version, setVersion] = useState(0)
	return (
		<Page title="Alerts">
			<Channels onChange={() => setVersion((v) => v + 1)} />
			<Rules version={version} />
		</Page>
	)
}
