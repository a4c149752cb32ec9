import { Elysia, ValidationError } from 'elysia'
import { AppError, type ErrorDetail, MethodNotAllowed } from '../lib/errors'
import { newRequestId } from '../lib/ids'
import type { Logger } from '../lib/log'
import { requestIdOf } from './request-id'
import { pathOf, queryOf } from './url'
import { formatSchemaErrors, type SchemaError } from './validation-message'

/**
 * The contract's error envelope `{error, status, request_id, details?}`: the one
 * place it is built. HTTP answers wrap it in a Response (below); WebSocket frame
 * replies send it as the frame's text.
 */
export function envelopeBody(status: number, message: string, requestId: string, details?: ErrorDetail[], extra?: Record<string, unknown>): Record<string, unknown> {
	const body: Record<string, unknown> = { error: message, status, request_id: requestId, ...extra }
	if (details?.length) body.details = details
	return body
}

export function envelope(status: number, message: string, requestId: string, details?: ErrorDetail[], extra?: Record<string, unknown>): Response {
	return new Response(JSON.stringify(envelopeBody(status, message, requestId, details, extra)), {
		status,
		headers: { 'content-type': 'application/json', 'x-request-id': requestId }
	})
}

export function appErrorResponse(error: AppError, requestId: string): Response {
	const res = envelope(error.status, error.message, requestId, error.details, error.extra)
	for (const [k, v] of Object.entries(error.headers ?? {})) res.headers.set(k, v)
	return res
}

/** An error as a WebSocket frame reply: AppErrors keep their status and message, anything else is a bare 500. */
export function appErrorFrame(err: unknown, requestId: string): { status: number; message: string; text: string } {
	const known = err instanceof AppError
	const status = known ? err.status : 500
	const message = known ? err.message : 'Internal server error'
	return { status, message, text: JSON.stringify(envelopeBody(status, message, requestId, known ? err.details : undefined, known ? err.extra : undefined)) }
}

/**
 * Bun.serve's last-resort `error` handler (a throw that escaped every other
 * handler). It has no request to read an id from, so it mints one and logs it
 * with the stack, so the answer can still be matched to the log line.
 */
export function serverErrorHandler(log: Logger) {
	return (err: Error): Response => {
		const id = newRequestId()
		log.error('unhandled server error', { request_id: id, error: err.stack ?? String(err) })
		return envelope(500, 'Internal server error', id)
	}
}

function fromValidation(err: ValidationError, request: Request): { message: string; details: ErrorDetail[] } {
	const errors = err.all as unknown as SchemaError[]
	if (err.type === 'property') {
		// Elysia checks coerced query numbers on their own and forgets the parameter's name;
		// find it again by its value so the 400 can name it.
		const query = new URLSearchParams(queryOf(request.url))
		const name = [...query].find(([, v]) => v === String(err.value))?.[0]
		if (name) return formatSchemaErrors('query', errors.map((e) => ({ ...e, path: `/${name}` })))
	}
	const where = err.type === 'query' || err.type === 'property' ? 'query' : err.type === 'params' ? 'path' : 'body'
	return formatSchemaErrors(where, errors)
}

/**
 * nginx's "client closed request": the client went away (mid-body, usually), so
 * whatever failed is not the server's fault and no one reads the answer. The
 * access log shows 499, and no error (nor 500) is recorded.
 */
export const CLIENT_CLOSED = 499

export function clientClosed(request: Request): boolean {
	return request.signal.aborted
}

export function clientClosedResponse(log: Logger, requestId: string): Response {
	log.debug('request ended before its body was read (the client hung up, or the runtime refused its framing)', { request_id: requestId })
	return envelope(CLIENT_CLOSED, 'Client closed the request', requestId)
}

/**
 * The single error mapper: every failure leaves as the contract's envelope.
 * Unknown errors are logged with their stack and answered with a bare 500.
 */
export function errorHandler(log: Logger, allowedMethods: (path: string) => string[] = () => []) {
	return new Elysia({ name: 'hookstream.errors' }).onError({ as: 'global' }, ({ code, error: thrown, request }) => {
		let error: unknown = thrown
		const id = requestIdOf(request)
		if (clientClosed(request)) return clientClosedResponse(log, id)
		// Elysia wraps whatever the body parser throws; our parser throws AppErrors on purpose.
		if (code === 'PARSE' && (error as { cause?: unknown }).cause instanceof AppError) error = (error as { cause: AppError }).cause
		if (error instanceof AppError) {
			return appErrorResponse(error, id)
		}
		switch (code) {
			case 'VALIDATION': {
				const { message, details } = fromValidation(error as ValidationError, request)
				return envelope(400, message, id, details)
			}
			case 'PARSE':
				return envelope(400, 'Malformed JSON body', id)
			case 'NOT_FOUND': {
				const allow = allowedMethods(pathOf(request.url))
				// (A method the path does have means the router missed the path itself: still a 404.)
				if (allow.length === 0 || allow.includes(request.method)) return envelope(404, 'Route not found', id)
				return appErrorResponse(new MethodNotAllowed(request.method, allow), id)
			}
			case 'INVALID_COOKIE_SIGNATURE':
				return envelope(401, 'Invalid session', id)
		}
		const status = (error as { status?: unknown }).status
		if (typeof status === 'number' && status >= 400 && status < 500) {
			return envelope(status, status === 405 ? 'Method not allowed' : 'Bad request', id)
		}
		log.error('unhandled error', { request_id: id, code: String(code), error: error instanceof Error ? error.stack : String(error) })
		return envelope(500, 'Internal server error', id)
	})
}
