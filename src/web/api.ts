/**
 * The dashboard talks to the same /v1 API as every client, with the session
 * cookie. The chosen environment rides in X-Hookstream-Env; writes carry the
 * page's Origin automatically (the server's CSRF check wants it).
 */

export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly requestId: string | null
	) {
		super(message)
	}
}

const ENV_KEY = 'hookstream.env'

export function currentEnv(): string | null {
	try {
		return localStorage.getItem(ENV_KEY)
	} catch {
		return null
	}
}

export function setCurrentEnv(id: string): void {
	try {
		localStorage.setItem(ENV_KEY, id)
	} catch {}
}

/** A readable sentence for any failure: the envelope's message, else the HTTP status. */
export function messageOf(err: unknown): string {
	if (err instanceof ApiError) {
		const id = err.requestId ? ` (request ${err.requestId})` : ''
		if (err.status === 403) return `${err.message}${id}. Your role may not allow this.`
		return `${err.message}${id}`
	}
	if (err instanceof TypeError) return 'Cannot reach the hookstream server. Is it running?'
	return err instanceof Error ? err.message : String(err)
}

export type Query = Record<string, string | number | boolean | null | undefined>

export function withQuery(path: string, query: Query = {}): string {
	const params = new URLSearchParams()
	for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
	const q = params.toString()
	return q ? `${path}?${q}` : path
}

/** One JSON request; throws ApiError with the envelope's message on a non-2xx answer. */
export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
	const headers: Record<string, string> = { accept: 'application/json' }
	const env = currentEnv()
	if (env && path.startsWith('/v1/')) headers['x-hookstream-env'] = env
	if (body !== undefined) headers['content-type'] = 'application/json'
	const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
	const text = await res.text()
	let data: any = null
	try {
		data = text ? JSON.parse(text) : null
	} catch {
		data = null
	}
	if (!res.ok) {
		const message = (data && (data.error?.message ?? data.error ?? data.message)) || `${res.status} ${res.statusText}`
		throw new ApiError(res.status, typeof message === 'string' ? message : JSON.stringify(message), data?.request_id ?? res.headers.get('x-request-id'))
	}
	return data as T
}

export const get = <T = any>(path: string, query?: Query) => api<T>('GET', withQuery(path, query))
export const post = <T = any>(path: string, body?: unknown) => api<T>('POST', path, body)
export const patch = <T = any>(path: string, body: unknown) => api<T>('PATCH', path, body)
export const del = <T = any>(path: string) => api<T>('DELETE', path)
