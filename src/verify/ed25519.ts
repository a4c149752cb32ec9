/**
 * Ed25519 over `{timestamp}{body}` with a hex public key (`ed25519`): Discord
 * interactions (`X-Signature-Ed25519` hex, `X-Signature-Timestamp`).
 *
 * Secrets: the application's public key as 64 hex characters (32 bytes).
 * Config: `timestamp_header` (default `X-Signature-Timestamp`),
 * `tolerance_seconds` (default 300, both directions; `0` disables).
 * The signature header is `settings.header`, defaulting to `X-Signature-Ed25519`.
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto'
import type { VerifyRequest, VerifySettings } from './types'
import { activeSecrets, configString, decode, isFresh, parseInteger, readHeader, readTolerance, signatureHeader } from './util'

const DEFAULT_TOLERANCE_SECONDS = 300
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const CACHE_LIMIT = 256
// Importing a key costs more than verifying with it; public keys repeat across requests.
const keys = new Map<string, KeyObject | null>()

/** The public key a hex secret names, or null when it is not 32 bytes of hex. */
export function ed25519PublicKey(hex: string): KeyObject | null {
	const cached = keys.get(hex)
	if (cached !== undefined) return cached
	const raw = decode(hex.trim(), 'hex')
	let key: KeyObject | null = null
	if (raw !== null && raw.length === 32) {
		try {
			key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
		} catch {
			key = null
		}
	}
	if (keys.size >= CACHE_LIMIT) keys.clear()
	keys.set(hex, key)
	return key
}

/** Verifies a Discord-style Ed25519 request; any configured public key may match. */
export function verifyEd25519(req: VerifyRequest, settings: VerifySettings): boolean {
	const tolerance = readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS)
	const tsHeader = configString(settings.config, 'timestamp_header')
	if (tolerance === null || tsHeader === false) return false
	const header = signatureHeader(req, settings, 'X-Signature-Ed25519')
	const timestamp = readHeader(req, tsHeader || 'X-Signature-Timestamp')
	if (header === null || timestamp === null) return false
	const signature = decode(header, 'hex')
	const seconds = parseInteger(timestamp)
	if (signature === null || signature.length !== 64 || seconds === null) return false
	const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), req.body])
	const ok = activeSecrets(settings).some((secret) => {
		const key = ed25519PublicKey(secret)
		if (key === null) return false
		try {
			return verifySignature(null, signed, key, signature)
		} catch {
			return false
		}
	})
	return ok && isFresh(seconds * 1000, req.nowMs, tolerance)
}
