/**
 * Contract between the ingest pipeline and the handshake answerers: the
 * challenges some providers send before (or besides) events and expect
 * answered synchronously. Answerers are pure like verifiers: no I/O, no clock.
 */

/** Canonical names, stored in templates' `handshake` and in `verification_config.handshake`. */
export const HANDSHAKE_KINDS = [
	'slack_url_verification',
	'zoom_url_validation',
	'discord_ping',
	'twitch_eventsub_verification',
	'dropbox_challenge',
	'asana_hook_secret',
	'monday_challenge',
	'okta_verification',
	'meta_hub_challenge',
	'twitter_crc',
	'graph_validation_token',
	'head_probe',
	'aws_sns_subscription',
	'dropbox_sign_callback'
] as const

export type HandshakeKind = (typeof HANDSHAKE_KINDS)[number]

export function isHandshakeKind(value: unknown): value is HandshakeKind {
	return typeof value === 'string' && (HANDSHAKE_KINDS as readonly string[]).includes(value)
}

export interface HandshakeRequest {
	method: string
	/** The absolute URL the sender addressed. */
	url: string
	headers: Headers
	body: Uint8Array
}

export interface HandshakeContext {
	/** The source's verification secrets (empty when verification is off). */
	secrets: string[]
	/** The source's `verification_config` (e.g. Meta's `verify_token`). */
	config: Record<string, unknown>
}

/** Exactly what goes back to the provider. */
export interface HandshakeReply {
	status: number
	headers: Record<string, string>
	body: string
	/** A URL the pipeline must GET (through the SSRF guard) before replying: SNS SubscribeURL. */
	follow?: string
}

export interface Handshake {
	/**
	 * True when the provider signs its challenge like any event: the answer is
	 * given only after the source's verifier accepted the request. False when
	 * the challenge is unsigned and answered before verification.
	 */
	signed: boolean
	/**
	 * The reply when `req` is this provider's challenge, null when it is an
	 * ordinary delivery (which then goes through the pipeline as usual).
	 * Throws an AppError when it is a challenge that must be refused.
	 */
	answer(req: HandshakeRequest, ctx: HandshakeContext): HandshakeReply | null
	/**
	 * The reply the provider requires to every accepted event, instead of the
	 * usual `{event_id, source_id}` (Dropbox Sign retries any other body).
	 */
	ack?: HandshakeReply
}
