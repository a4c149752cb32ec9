import { newRequestId } from '../lib/ids'

interface RequestMeta {
	id: string
	startedAt: number
}

/** Per-request facts set in onRequest and read by the error mapper and the access log. */
const meta = new WeakMap<Request, RequestMeta>()

/** Gives the request its id and start time, once; later calls return the same. */
export function tagRequest(request: Request): RequestMeta {
	let m = meta.get(request)
	if (!m) {
		m = { id: newRequestId(), startedAt: performance.now() }
		meta.set(request, m)
	}
	return m
}

export function requestIdOf(request: Request): string {
	return tagRequest(request).id
}

export function startedAtOf(request: Request): number | undefined {
	return meta.get(request)?.startedAt
}
