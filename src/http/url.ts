import { BadRequest } from '../lib/errors'

/**
 * The path of a request URL without parsing it: a client controls the Host
 * header, and a malformed one makes `new URL(request.url)` throw.
 */
export function pathOf(url: string): string {
	const afterScheme = url.indexOf('//')
	const slash = url.indexOf('/', afterScheme < 0 ? 0 : afterScheme + 2)
	if (slash < 0) return '/'
	const query = url.indexOf('?', slash)
	return query < 0 ? url.slice(slash) : url.slice(slash, query)
}

/** The query string of a request URL (without `?`), also without parsing it. */
export function queryOf(url: string): string {
	const q = url.indexOf('?')
	return q < 0 ? '' : url.slice(q + 1)
}

/** `new URL(request.url)`, or a 400 when the Host header makes it unparsable. */
export function requestUrl(request: Request): URL {
	try {
		return new URL(request.url)
	} catch {
		throw new BadRequest('Malformed Host header or request URL')
	}
}
