import { cloneElement, type ComponentChildren, createContext, isValidElement, type VNode } from 'preact'
import { useCallback, useContext, useEffect, useId, useRef, useState } from 'preact/hooks'
import { messageOf } from './api'

/* ---------- routing: the path is the state; links push history ---------- */

const listeners = new Set<() => void>()

export function navigate(href: string, replace = false): void {
	if (replace) history.replaceState(null, '', href)
	else history.pushState(null, '', href)
	for (const l of listeners) l()
	window.scrollTo(0, 0)
}

window.addEventListener('popstate', () => {
	for (const l of listeners) l()
})

/** Re-renders on navigation; returns the path and query. */
export function useLocation(): { path: string; query: URLSearchParams } {
	const [, tick] = useState(0)
	useEffect(() => {
		const l = () => tick((n) => n + 1)
		listeners.add(l)
		return () => void listeners.delete(l)
	}, [])
	return { path: location.pathname, query: new URLSearchParams(location.search) }
}

export function Link(props: { href: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' | undefined; 'data-testid'?: string }) {
	const onClick = (e: MouseEvent) => {
		if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
		e.preventDefault()
		navigate(props.href)
	}
	return <a {...props} onClick={onClick}>{props.children}</a>
}

/* ---------- who is signed in ---------- */

export interface Me {
	user: { id: string; email: string; name: string } | null
	organization: { id: string; name: string }
	role: 'owner' | 'admin' | 'member' | 'viewer'
	environment: { id: string; name: string; slug: string }
	environments: { id: string; name: string; slug: string }[]
}

export const MeContext = createContext<{ me: Me; reload: () => void } | null>(null)

export function useMe(): { me: Me; canWrite: boolean; canAdmin: boolean; reload: () => void } {
	const ctx = useContext(MeContext)
	if (!ctx) throw new Error('useMe outside the signed-in shell')
	const { me, reload } = ctx
	return { me, reload, canWrite: me.role !== 'viewer', canAdmin: me.role === 'owner' || me.role === 'admin' }
}

/* ---------- data loading ---------- */

export interface Loaded<T> {
	data: T | null
	error: unknown
	loading: boolean
	reload: () => void
}

/** Runs `load` on mount and whenever `deps` change; keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
	const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true })
	const [n, setN] = useState(0)
	const current = useRef(0)
	useEffect(() => {
		const mine = ++current.current
		setState((s) => ({ ...s, loading: true }))
		load().then(
			(data) => mine === current.current && setState({ data, error: null, loading: false }),
			(error) => mine === current.current && setState((s) => ({ data: s.data, error, loading: false }))
		)
	}, [...deps, n])
	const reload = useCallback(() => setN((x) => x + 1), [])
	return { ...state, reload }
}

/** Wraps an action: tracks busy and the last error so a form can show it. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<unknown>): { run: (...args: A) => Promise<boolean>; busy: boolean; error: unknown; clear: () => void } {
	const [busy, setBusy] = useState(false)
	const [error, setError] = useState<unknown>(null)
	const run = async (...args: A) => {
		setBusy(true)
		setError(null)
		try {
			await fn(...args)
			return true
		} catch (err) {
			setError(err)
			return false
		} finally {
			setBusy(false)
		}
	}
	return { run, busy, error, clear: () => setError(null) }
}

/* ---------- small pieces ---------- */

export function ErrorBox({ error }: { error: unknown }) {
	if (!error) return null
	return <div class="error" role="alert">{messageOf(error)}</div>
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
	return (
		<div class="empty">
			<p class="empty-title">{title}</p>
			{children}
		</div>
	)
}

/**
 * A label tied to its control by id (not by wrapping): a wrapped select's
 * accessible name would include its current value ("Role member").
 */
export function Field({ label, hint, children }: { label: string; hint?: ComponentChildren; children: ComponentChildren }) {
	const id = useId()
	const control = isValidElement(children) ? cloneElement(children as VNode<any>, { id, 'aria-describedby': hint ? `${id}-hint` : undefined }) : children
	return (
		<div class="field">
			<label class="field-label" for={id}>{label}</label>
			{control}
			{hint ? <span class="hint" id={`${id}-hint`}>{hint}</span> : null}
		</div>
	)
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
	const [done, setDone] = useState(false)
	const copy = async () => {
		try {
			await navigator.clipboard.writeText(text)
		} catch {
			// No clipboard permission (plain HTTP on another host): select-and-copy fallback.
			const area = document.createElement('textarea')
			area.value = text
			document.body.appendChild(area)
			area.select()
			document.execCommand('copy')
			area.remove()
		}
		setDone(true)
		setTimeout(() => setDone(false), 1500)
	}
	return (
		<button type="button" class="btn small" onClick={copy} aria-label={`${label}: ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`}>
			{done ? 'Copied' : label}
		</button>
	)
}

export function Status({ value }: { value: string | null | undefined }) {
	const v = value ?? 'unknown'
	const tone = /^(delivered|success|active|closed|verified|passed|unique|resolved|completed)$/.test(v) ? 'ok' : /^(failed|dlq|open|error|rejected|duplicate|disabled|invalid)$/.test(v) ? 'bad' : 'mid'
	return <span class={`badge ${tone}`}>{v}</span>
}

export function Time({ iso }: { iso: string | null | undefined }) {
	if (!iso) return <span class="muted">never</span>
	const d = new Date(iso)
	const s = Math.round((Date.now() - d.getTime()) / 1000)
	const rel = s < 60 ? `${Math.max(s, 0)}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : s < 86400 ? `${Math.floor(s / 3600)}h ago` : d.toLocaleDateString()
	return <time dateTime={iso} title={d.toLocaleString()}>{rel}</time>
}

export function Page({ title, actions, children }: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
	useEffect(() => {
		document.title = `${title} · hookstream`
	}, [title])
	return (
		<section class="page" aria-labelledby="page-title">
			<header class="page-head">
				<h1 id="page-title">{title}</h1>
				<div class="actions">{actions}</div>
			</header>
			{children}
		</section>
	)
}

export function Loading({ loaded }: { loaded: { loading: boolean; data: unknown } }) {
	return loaded.loading && loaded.data === null ? <p class="muted" aria-live="polite">Loading…</p> : null
}

/** Asks before a destructive action; returns whether the person agreed. */
export function confirmed(question: string): boolean {
	return window.confirm(question)
}

export function Pre({ text, label }: { text: string; label: string }) {
	return <pre class="code" tabIndex={0} aria-label={label}>{text}</pre>
}
