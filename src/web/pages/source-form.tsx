import { useMemo, useState } from 'preact/hooks'
import { get } from '../api'
import { ErrorBox, Field, useLoad } from '../ui'
import type { Source } from './sources'

export interface Template {
	slug: string
	name: string
	description: string
	category: string
	docs_url: string
	verification_type: string | null
	verification_header: string | null
	secret_format: string | null
	dedup: { strategy: string; field: string | null } | null
	sample_event: unknown
}

const slugOf = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60)
const listOf = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean)
const val = (e: Event) => (e.target as HTMLInputElement).value
const checked = (e: Event) => (e.target as HTMLInputElement).checked

function TemplatePicker({ chosen, onChoose }: { chosen: string; onChoose: (t: Template | null) => void }) {
	const loaded = useLoad(() => get<{ templates: Template[] }>('/v1/templates'), [])
	const [filter, setFilter] = useState('')
	const shown = useMemo(() => {
		const q = filter.toLowerCase()
		return (loaded.data?.templates ?? []).filter((t) => !q || t.name.toLowerCase().includes(q) || t.category.includes(q))
	}, [loaded.data, filter])
	return (
		<fieldset class="card">
			<legend>Template</legend>
			<ErrorBox error={loaded.error} />
			<Field label="Find a provider">
				<input type="search" value={filter} onInput={(e) => setFilter(val(e))} placeholder="stripe, github, payments…" />
			</Field>
			<div class="templates" role="radiogroup" aria-label="Provider templates">
				<label class={`template ${chosen === '' ? 'chosen' : ''}`}>
					<input type="radio" name="template" checked={chosen === ''} onChange={() => onChoose(null)} />
					<span><strong>Generic</strong><span class="muted">No template: set verification yourself</span></span>
				</label>
				{shown.map((t) => (
					<label key={t.slug} class={`template ${chosen === t.slug ? 'chosen' : ''}`}>
						<input type="radio" name="template" value={t.slug} checked={chosen === t.slug} onChange={() => onChoose(t)} />
						<span><strong>{t.name}</strong><span class="muted">{t.category.replaceAll('_', ' ')}</span></span>
					</label>
				))}
			</div>
		</fieldset>
	)
}

function initialState(source?: Source) {
	return {
		name: source?.name ?? '',
		slug: source?.slug ?? '',
		description: source?.description ?? '',
		verification_enabled: source ? source.verification_enabled === 1 : false,
		verification_type: source?.verification_type ?? '',
		verification_header: source?.verification_header ?? '',
		verification_secret: '',
		dedup_enabled: source ? source.dedup_enabled === 1 : false,
		dedup_strategy: source?.dedup_strategy ?? 'payload_hash',
		dedup_field: source?.dedup_field ?? '',
		dedup_window_seconds: String(source?.dedup_window_seconds ?? 300),
		ip_allowlist: source?.ip_allowlist ? (JSON.parse(source.ip_allowlist) as string[]).join(', ') : '',
		ip_denylist: source?.ip_denylist ? (JSON.parse(source.ip_denylist) as string[]).join(', ') : '',
		schema_validation_enabled: source ? source.schema_validation_enabled === 1 : false,
		json_schema: '',
		schema_action: source?.schema_action ?? 'reject'
	}
}
type FormState = ReturnType<typeof initialState>
interface Part {
	f: FormState
	set: (patch: Partial<FormState>) => void
}

/** The request body from the form; throws a readable message when the schema is not JSON. */
function bodyOf(f: FormState, source: Source | undefined, template: Template | null): Record<string, unknown> {
	const body: Record<string, unknown> = { name: f.name }
	if (source) body.description = f.description || null
	else {
		body.slug = f.slug
		if (template) body.template = template.slug
		if (f.description) body.description = f.description
	}
	body.verification_enabled = f.verification_enabled
	if (f.verification_enabled) {
		if (f.verification_type) body.verification_type = f.verification_type
		if (f.verification_header) body.verification_header = f.verification_header
		if (f.verification_secret) body.verification_secret = f.verification_secret
	}
	body.dedup_enabled = f.dedup_enabled
	if (f.dedup_enabled) {
		body.dedup_strategy = f.dedup_strategy
		if (f.dedup_strategy !== 'payload_hash') body.dedup_field = f.dedup_field
		body.dedup_window_seconds = Number(f.dedup_window_seconds)
	}
	body.ip_allowlist = listOf(f.ip_allowlist)
	body.ip_denylist = listOf(f.ip_denylist)
	body.schema_validation_enabled = f.schema_validation_enabled
	if (f.schema_validation_enabled && f.json_schema) {
		try {
			body.json_schema = JSON.parse(f.json_schema)
		} catch {
			throw new Error('The JSON schema is not valid JSON.')
		}
		body.schema_action = f.schema_action
	}
	return body
}

function Basics({ f, set, source }: Part & { source?: Source }) {
	return (
		<fieldset class="card">
			<legend>Basics</legend>
			<Field label="Name"><input name="name" required value={f.name} onInput={(e) => set({ name: val(e), slug: source || f.slug !== slugOf(f.name) ? f.slug : slugOf(val(e)) })} /></Field>
			{source ? null : <Field label="Slug" hint="Lowercase letters, digits and dashes; unique in this environment"><input name="slug" required pattern="[a-z0-9][a-z0-9\-]*" value={f.slug} onInput={(e) => set({ slug: val(e) })} /></Field>}
			<Field label="Description"><input name="description" value={f.description} onInput={(e) => set({ description: val(e) })} /></Field>
		</fieldset>
	)
}

function Verification({ f, set, source, template }: Part & { source?: Source; template: Template | null }) {
	return (
		<fieldset class="card">
			<legend>Signature verification</legend>
			<label class="check"><input type="checkbox" name="verification_enabled" checked={f.verification_enabled} onChange={(e) => set({ verification_enabled: checked(e) })} /> Refuse requests without a valid signature</label>
			{f.verification_enabled ? (
				<>
					<Field label="Scheme"><input name="verification_type" value={f.verification_type} onInput={(e) => set({ verification_type: val(e) })} placeholder="hmac_sha256, stripe, github…" /></Field>
					<Field label="Signature header"><input name="verification_header" value={f.verification_header} onInput={(e) => set({ verification_header: val(e) })} /></Field>
					<Field label="Signing secret" hint={template?.secret_format ?? (source ? 'Leave empty to keep the current secret' : 'From the provider\'s webhook settings')}>
						<input name="verification_secret" type="password" autoComplete="off" value={f.verification_secret} onInput={(e) => set({ verification_secret: val(e) })} />
					</Field>
				</>
			) : null}
		</fieldset>
	)
}

function Dedup({ f, set }: Part) {
	return (
		<fieldset class="card">
			<legend>Deduplication</legend>
			<label class="check"><input type="checkbox" name="dedup_enabled" checked={f.dedup_enabled} onChange={(e) => set({ dedup_enabled: checked(e) })} /> Mark repeats of the same event as duplicates (not delivered twice)</label>
			{f.dedup_enabled ? (
				<div class="row">
					<Field label="Strategy">
						<select name="dedup_strategy" value={f.dedup_strategy} onChange={(e) => set({ dedup_strategy: val(e) })}>
							<option value="payload_hash">Same body</option>
							<option value="body_field">Same body field</option>
							<option value="header_field">Same header</option>
						</select>
					</Field>
					{f.dedup_strategy !== 'payload_hash' ? <Field label="Field"><input name="dedup_field" required value={f.dedup_field} onInput={(e) => set({ dedup_field: val(e) })} /></Field> : null}
					<Field label="Window (seconds)"><input name="dedup_window_seconds" type="number" min={0} max={604800} value={f.dedup_window_seconds} onInput={(e) => set({ dedup_window_seconds: val(e) })} /></Field>
				</div>
			) : null}
		</fieldset>
	)
}

function IpAndSchema({ f, set }: Part) {
	return (
		<>
			<fieldset class="card">
				<legend>IP filtering</legend>
				<Field label="Allow only" hint="Comma-separated IPs or CIDR ranges; empty allows any"><input name="ip_allowlist" value={f.ip_allowlist} onInput={(e) => set({ ip_allowlist: val(e) })} /></Field>
				<Field label="Deny" hint="Comma-separated IPs or CIDR ranges"><input name="ip_denylist" value={f.ip_denylist} onInput={(e) => set({ ip_denylist: val(e) })} /></Field>
			</fieldset>
			<fieldset class="card">
				<legend>JSON schema</legend>
				<label class="check"><input type="checkbox" name="schema_validation_enabled" checked={f.schema_validation_enabled} onChange={(e) => set({ schema_validation_enabled: checked(e) })} /> Check bodies against a JSON schema</label>
				{f.schema_validation_enabled ? (
					<>
						<Field label="Schema (JSON)"><textarea name="json_schema" rows={6} value={f.json_schema} onInput={(e) => set({ json_schema: val(e) })} placeholder={'{"type":"object","required":["id"]}'} /></Field>
						<Field label="When a body does not match">
							<select name="schema_action" value={f.schema_action} onChange={(e) => set({ schema_action: val(e) })}>
								<option value="reject">Refuse it (400)</option>
								<option value="warn">Store it, marked schema_invalid</option>
							</select>
						</Field>
					</>
				) : null}
			</fieldset>
		</>
	)
}

/** Create (with a template picker) or edit a source; the caller sends the body. */
export function SourceForm({ source, onSubmit, busy, error }: { source?: Source; onSubmit: (body: Record<string, unknown>) => void; busy: boolean; error: unknown }) {
	const [template, setTemplate] = useState<Template | null>(null)
	const [f, setF] = useState(() => initialState(source))
	const [local, setLocal] = useState<string | null>(null)
	const set = (patch: Partial<FormState>) => setF({ ...f, ...patch })
	const choose = (t: Template | null) => {
		setTemplate(t)
		if (!t) return set({ verification_enabled: false, verification_type: '', verification_header: '' })
		set({
			name: f.name || t.name, slug: f.slug || slugOf(t.name),
			verification_enabled: t.verification_type !== null, verification_type: t.verification_type ?? '', verification_header: t.verification_header ?? '',
			dedup_enabled: t.dedup !== null, dedup_strategy: t.dedup?.strategy ?? 'payload_hash', dedup_field: t.dedup?.field ?? ''
		})
	}
	const submit = (e: Event) => {
		e.preventDefault()
		setLocal(null)
		try {
			onSubmit(bodyOf(f, source, template))
		} catch (err) {
			setLocal(err instanceof Error ? err.message : String(err))
		}
	}
	return (
		<form class="form" onSubmit={submit} aria-label={source ? 'Edit source' : 'New source'}>
			{source ? null : <TemplatePicker chosen={template?.slug ?? ''} onChoose={choose} />}
			{template ? <p class="notice">{template.description} <a href={template.docs_url} target="_blank" rel="noreferrer">Provider docs</a></p> : null}
			<Basics f={f} set={set} source={source} />
			<Verification f={f} set={set} source={source} template={template} />
			<Dedup f={f} set={set} />
			<IpAndSchema f={f} set={set} />
			<ErrorBox error={local ?? error} />
			<button type="submit" class="btn primary" disabled={busy}>{source ? 'Save' : 'Create source'}</button>
		</form>
	)
}
