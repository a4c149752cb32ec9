/**
 * SendGrid Signed Event Webhook (`sendgrid_ecdsa`): ECDSA P-256 / SHA-256 over
 * `{timestamp}{body}` (no separator). The signature header holds base64 of a
 * DER signature; the timestamp comes from its sibling header.
 *
 * Secret: the "verification key" as base64 of a DER SubjectPublicKeyInfo, or
 * the same key as PEM. Only a public key is stored; nothing here can sign.
 *
 * Config: `timestamp_header` (default
 * `X-Twilio-Email-Event-Webhook-Timestamp`), `tolerance_seconds` (default
 * 300 both directions; the SDK enforces none, but the timestamp is signed, so
 * a window is cheap replay protection; `0` disables). The signature header is
 * `settings.header`, defaulting to `X-Twilio-Email-Event-Webhook-Signature`.
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto'
import type { VerifyRequest, VerifySettings } from './types'
import {
	activeSecrets, configString, decode, decodeBase64Key, isFresh, parseInteger, readHeader, readTolerance, signatureHeader
} from './util'

const DEFAULT_TOLERANCE_SECONDS = 300
const KEY_CACHE_LIMIT = 256

// Parsing a public key costs far more than one verify; sources reuse theirs on every request.
const keyCache = new Map<string, KeyObject | null>()

function importKey(secret: string): KeyObject | null {
	const trimmed = secret.trim()
	try {
		if (trimmed.startsWith('-----BEGIN')) return createPublicKey({ key: trimmed, format: 'pem' })
		const der = decodeBase64Key(trimmed.replace(/\s+/g, ''))
		return der === null ? null : createPublicKey({ key: der, format: 'der', type: 'spki' })
	} catch {
		return null
	}
}

/** A P-256 public key for the secret, or null when it is anything else. */
function publicKey(secret: string): KeyObject | null {
	const cached = keyCache.get(secret)
	if (cached !== undefined) return cached
	const key = importKey(secret)
	// Fail closed on any other key type: a verifier should not silently become RSA or another curve.
	const usable = key !== null && key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
	if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
	keyCache.set(secret, usable ? key : null)
	return usable ? key : null
}

/** Verifies a SendGrid Event Webhook signature, then the signed timestamp. */
export function verifySendgrid(req: VerifyRequest, settings: VerifySettings): boolean {
	const tolerance = readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS)
	const tsHeader = configString(settings.config, 'timestamp_header')
	if (tolerance === null || tsHeader === false) return false
	const header = signatureHeader(req, settings, 'X-Twilio-Email-Event-Webhook-Signature')
	const timestamp = readHeader(req, tsHeader || 'X-Twilio-Email-Event-Webhook-Timestamp')
	if (header === null || timestamp === null) return false
	const signature = decode(header, 'base64')
	const seconds = parseInteger(timestamp)
	if (signature === null || seconds === null) return false
	const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), req.body])
	const ok = activeSecrets(settings).some((secret) => {
		const key = publicKey(secret)
		if (key === null) return false
		try {
			return verifySignature('sha256', signed, { key, dsaEncoding: 'der' }, signature)
		} catch {
			return false
		}
	})
	return ok && isFresh(seconds * 1000, req.nowMs, tolerance)
}
