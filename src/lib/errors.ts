/**
 * Typed errors thrown by domain code. The HTTP layer maps each to the
 * contract's envelope `{error, status, request_id, details?}`; anything else
 * becomes a 500 with no detail.
 */
export interface ErrorDetail {
	path: string
	message: string
}

export class AppError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly details?: ErrorDetail[],
		readonly headers?: Record<string, string>,
		/** Extra top-level fields of the envelope (e.g. `validation_errors`). */
		readonly extra?: Record<string, unknown>
	) {
		super(message)
	}
}

/** 400 for one field; `path` is a JSON pointer such as `/slug`. */
export class ValidationFailed extends AppError {
	constructor(path: string, message: string, where: 'body' | 'query' = 'body') {
		super(400, `Invalid ${where}: '${path.replace(/^\//, '').replaceAll('/', '.')}' ${message}`, [{ path, message }])
	}
}

export class BadRequest extends AppError {
	constructor(message: string, details?: ErrorDetail[]) {
		super(400, message, details)
	}
}

export class Unauthorized extends AppError {
	constructor(message = 'Invalid API key') {
		super(401, message, undefined, { 'WWW-Authenticate': 'Bearer realm="hookstream"' })
	}
}

export class Forbidden extends AppError {
	constructor(message: string) {
		super(403, message)
	}
}

export class PlanLimitReached extends AppError {
	constructor(what: string, limit: number) {
		super(403, 'Plan limit reached', [{ path: '', message: `${what} limit of ${limit} reached` }])
	}
}

export class NotFound extends AppError {
	constructor(thing: string) {
		super(404, `${thing} not found`)
	}
}

export class Conflict extends AppError {
	constructor(message: string, path?: string) {
		super(409, message, path ? [{ path, message }] : undefined)
	}
}

export class PayloadTooLarge extends AppError {
	constructor(limit: number) {
		super(413, `Request body exceeds the limit of ${limit} bytes`)
	}
}

/** Ingest JSON-schema reject: 422 with the validator's findings. */
export class SchemaRejected extends AppError {
	constructor(validationErrors: ErrorDetail[]) {
		super(422, 'Payload failed schema validation', undefined, undefined, { validation_errors: validationErrors })
	}
}

export class TooManyRequests extends AppError {
	constructor(message: string, headers?: Record<string, string>) {
		super(429, message, undefined, headers)
	}
}

export class Gone extends AppError {
	constructor(message: string) {
		super(410, message)
	}
}

export class UnsupportedMediaType extends AppError {
	constructor() {
		super(415, 'Content-Type must be application/json')
	}
}

/** 405 with the `Allow` header the RFC requires; the message names the methods too. */
export class MethodNotAllowed extends AppError {
	constructor(method: string, allow: readonly string[]) {
		super(405, `Method ${method} not allowed here; use ${allow.join(', ')}`, undefined, { allow: allow.join(', ') })
	}
}

/**
 * A bad setting (flag, env var, key file): main prints its message and exits
 * 2 without a stack trace. Not an AppError: it never reaches HTTP.
 */
export class ConfigError extends Error {}
