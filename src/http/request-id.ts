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

/**
 * The request's id and start time for a handler that passes them on itself (ingest):
 * the ones already given when the request went through the app's onRequest, else
 * fresh ones that are not remembered, since nothing reads them back from the request.
 */
export function requestMetaOf(request: Request): RequestMeta {
	return meta.get(request) ?? { id: newRequestId(), startedAt: performance.now() }
}

export function requestIdOf(request: Request): string {
	return tagRequest(request).id
}

export function startedAtOf(request: Request): number | undefined {
	return meta.get(request)?.startedAt
}
