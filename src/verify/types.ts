/**
 * Contract between the ingest pipeline and the signature verifiers.
 * Verifiers are pure functions over the raw request: no I/O, no clock of their own.
 */

/** Canonical (underscore) spellings stored on sources and returned by the API. */
export const VERIFICATION_TYPES = [
	'hmac_sha256',
	'hmac_sha1',
	'standard_webhooks',
	'stripe',
	'slack',
	'twilio',
	'paddle',
	'linear',
	'sendgrid_ecdsa',
	'basic_auth',
	'timestamped_hmac',
	'header_token',
	'ed25519',
	'jwt',
	'mailgun',
	'cloudinary',
	'dropbox_sign',
	'graph_client_state',
	'aws_sns'
] as const

export type VerificationType = (typeof VERIFICATION_TYPES)[number]

/** Accepts the hyphen spellings (`hmac-sha256`, `standard-webhooks`) as input aliases. */
export function normalizeVerificationType(input: string): VerificationType | null {
	const canonical = input.trim().toLowerCase().replaceAll('-', '_')
	return (VERIFICATION_TYPES as readonly string[]).includes(canonical)
		? (canonical as VerificationType)
		: null
}

export interface VerifyRequest {
	method: string
	/** The absolute URL the sender addressed (public base URL + path + query). Twilio signs it. */
	url: string
	/** Case-insensitive header access. */
	headers: Headers
	/** Raw body bytes exactly as received. */
	body: Uint8Array
	/** Current time in epoch milliseconds (injected so tests control it). */
	nowMs: number
}

export interface VerifySettings {
	type: VerificationType
	/** Every active secret; the request passes if any one of them verifies (rotation). */
	secrets: string[]
	/** Header carrying the signature, when the scheme lets it be configured. */
	header: string | null
	/** Parsed `verification_config` (encoding, prefix, tolerance_seconds, …). */
	config: Record<string, unknown>
	/**
	 * Key material fetched outside the verifier, by URL (SNS signing
	 * certificates as PEM), so verifiers stay free of I/O.
	 */
	material?: ReadonlyMap<string, string>
}

/** Returns true only for a request whose signature verifies; fails closed on anything odd. */
export type Verifier = (req: VerifyRequest, settings: VerifySettings) => boolean
