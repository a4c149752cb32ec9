/**
 * Challenges whose answer proves the receiver holds a secret. An answer that
 * is an HMAC of a sender-chosen string is a signing oracle, so the inputs
 * are narrowed to the token shapes the providers send, and Zoom's (signed)
 * challenge is answered only after its signature verified.
 */
import { createHmac } from 'node:crypto'
import { BadRequest, Forbidden, Unauthorized } from '../lib/errors'
import type { Handshake } from './types'
import { firstSecret, jsonReply, queryParam, sameSecret, smallJson, textReply } from './util'

/** Provider tokens are short base64/base64url strings; a JSON or form body can never pass. */
const TOKEN = /^[A-Za-z0-9_+/=-]{1,256}$/

/** Zoom: `endpoint.url_validation` → `{"plainToken", "encryptedToken": hex HMAC-SHA256(secret token, plainToken)}`. */
export const zoomUrlValidation: Handshake = {
	signed: true,
	answer(req, ctx) {
		const body = req.method === 'POST' ? smallJson(req.body) : null
		if (body?.event !== 'endpoint.url_validation') return null
		const payload = body.payload
		const plainToken = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>).plainToken : undefined
		if (typeof plainToken !== 'string' || !TOKEN.test(plainToken)) throw new BadRequest('Malformed plainToken')
		const secret = firstSecret(ctx.secrets)
		if (secret === null) throw new Unauthorized('Zoom URL validation needs the secret token as the verification secret')
		return jsonReply({ plainToken, encryptedToken: createHmac('sha256', secret).update(plainToken).digest('hex') })
	}
}

/** X (Twitter) CRC: `GET ?crc_token=…` → `{"response_token": "sha256=" + base64 HMAC-SHA256(consumer secret, crc_token)}`. */
export const twitterCrc: Handshake = {
	signed: false,
	answer(req, ctx) {
		if (req.method !== 'GET') return null
		const token = queryParam(req.url, 'crc_token')
		if (token === null) return null
		if (!TOKEN.test(token)) throw new BadRequest('Malformed crc_token')
		const secret = firstSecret(ctx.secrets)
		if (secret === null) throw new Unauthorized('The CRC needs the consumer secret as the verification secret')
		return jsonReply({ response_token: `sha256=${createHmac('sha256', secret).update(token).digest('base64')}` })
	}
}

/**
 * Meta (WhatsApp, Instagram, Messenger) and WebSub: `GET ?hub.mode=subscribe&
 * hub.challenge=…&hub.verify_token=…` → the challenge as text/plain when the
 * verify token equals `verification_config.verify_token`; 403 otherwise.
 */
export const metaHubChallenge: Handshake = {
	signed: false,
	answer(req, ctx) {
		if (req.method !== 'GET' || queryParam(req.url, 'hub.mode') !== 'subscribe') return null
		const challenge = queryParam(req.url, 'hub.challenge')
		const token = queryParam(req.url, 'hub.verify_token')
		const expected = ctx.config.verify_token
		if (challenge === null || challenge === '' || challenge.length > 1024) throw new BadRequest('Malformed hub.challenge')
		if (typeof expected !== 'string' || expected === '' || token === null || !sameSecret(token, expected)) {
			throw new Forbidden('hub.verify_token does not match the source\'s verify_token')
		}
		return textReply(challenge)
	}
}
