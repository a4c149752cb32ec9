import { HANDSHAKES, type HandshakeReply, type HandshakeRequest, isHandshakeKind } from '../handshakes'
import { getTemplate } from '../templates'

/** A source's handshake with its secrets and config bound in. */
export interface BoundHandshake {
	/** Answered after the signature verified (true) or before verification (false). */
	signed: boolean
	answer(req: HandshakeRequest): HandshakeReply | null
	/** The reply to every accepted event, when the provider dictates one. */
	ack: HandshakeReply | null
}

/**
 * The challenge a source answers: `verification_config.handshake` when the
 * key is present (a kind, or null to turn a template's off), else its
 * template's. Resolved once per compiled source, so the hot path only tests
 * a field for null. An unknown name answers nothing (sources refuse it on write).
 */
export function handshakeOf(template: string | null, config: Record<string, unknown> | null, secrets: string[]): BoundHandshake | null {
	const kind = config !== null && Object.hasOwn(config, 'handshake') ? config.handshake : template === null ? null : (getTemplate(template)?.handshake ?? null)
	if (!isHandshakeKind(kind)) return null
	const handshake = HANDSHAKES[kind]
	const ctx = { secrets, config: config ?? {} }
	return { signed: handshake.signed, answer: (req) => handshake.answer(req, ctx), ack: handshake.ack ?? null }
}
