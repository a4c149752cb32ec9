/**
 * Standard Webhooks (and Svix, Clerk, Resend): `{id}.{timestamp}.{body}`
 * signed as a space-separated list of `v1,<base64 HMAC-SHA256>` and/or
 * `v1a,<base64 Ed25519>` entries.
 *
 * Headers: the `svix-*` triple first, then `webhook-*` (as the Svix library
 * does). A configured `settings.header` ending in `-signature` names a
 * further triple tried before both, e.g. `acme-webhook-signature` →
 * `acme-webhook-id` / `-timestamp` / `-signature`.
 *
 * Secrets: `whsec_<base64>` is an HMAC key; a bare secret is tried both
 * base64-decoded and as raw UTF-8 bytes. `whpk_<base64>` is a 32-byte Ed25519
 * public key and `whsk_<base64>` a 32-byte seed (its public key is derived);
 * those only verify `v1a` entries.
 *
 * Config: `tolerance_seconds` (default 300, both directions; `0` disables).
 */
import { createPrivateKey, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto'
import { compiledCache } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { activeSecrets, decode, decodeBase64Key, isFresh, parseInteger, readHeader, readTolerance, safeEqualBytes } from './util'

const DEFAULT_TOLERANCE_SECONDS = 300
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const KEY_CACHE_LIMIT = 256

interface Keys {
	/** A hasher keyed with each HMAC key: every request MACs on a copy. */
	hmac: Bun.CryptoHasher[]
	ed25519: KeyObject[]
}

// Importing a key is far slower than verifying with it; secrets repeat across requests.
const publicKeyCache = new Map<string, KeyObject | null>()

function ed25519Key(secret: string): KeyObject | null {
	const cached = publicKeyCache.get(secret)
	if (cached !== undefined) return cached
	let key: KeyObject | null = null
	const raw = decodeBase64Key(secret.slice(5))
	if (raw !== null && raw.length === 32) {
		try {
			key = secret.startsWith('whpk_')
				? createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
				: createPublicKey(createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' }))
		} catch {
			key = null
		}
	}
	if (publicKeyCache.size >= KEY_CACHE_LIMIT) publicKeyCache.clear()
	publicKeyCache.set(secret, key)
	return key
}

function collectKeys(secrets: string[]): Keys {
	const hmacKeys: Buffer[] = []
	const ed25519: KeyObject[] = []
	for (const secret of secrets) {
		if (secret.startsWith('whpk_') || secret.startsWith('whsk_')) {
			const key = ed25519Key(secret)
			if (key) ed25519.push(key)
		} else if (secret.startsWith('whsec_')) {
			const key = decodeBase64Key(secret.slice(6))
			if (key) hmacKeys.push(key)
		} else {
			const key = decodeBase64Key(secret)
			if (key) hmacKeys.push(key)
			hmacKeys.push(Buffer.from(secret, 'utf8'))
		}
	}
	return { hmac: hmacKeys.map((key) => new Bun.CryptoHasher('sha256', key)), ed25519 }
}

/**
 * What a settings object (built once per source, src/verify/compiled.ts) gives every request:
 * the tolerance (null: unusable, every request fails) and the keys, decoded and keyed once
 * instead of on every request.
 */
const compiledOf = compiledCache((settings) => {
	const tolerance = readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS)
	return tolerance === null ? null : { tolerance, keys: collectKeys(activeSecrets(settings)) }
})

/** The first complete id/timestamp/signature triple among the candidate header families. */
function readTriple(req: VerifyRequest, settings: VerifySettings): [string, string, string] | null {
	const families = ['svix', 'webhook']
	const configured = settings.header?.trim().toLowerCase()
	if (configured?.endsWith('-signature')) families.unshift(configured.slice(0, -'-signature'.length))
	for (const family of families) {
		const id = readHeader(req, `${family}-id`)
		const ts = readHeader(req, `${family}-timestamp`)
		const sig = readHeader(req, `${family}-signature`)
		if (id !== null && ts !== null && sig !== null) return [id, ts, sig]
	}
	return null
}

/**
 * A real header carries one entry per secret being rotated. Each `v1a` entry is a
 * signature check over the whole body, so the header (sender-controlled, up to the
 * header limit) is read only this far: thousands of entries must not cost thousands
 * of passes over a 1 MiB body.
 */
const MAX_ENTRIES = 10

/**
 * One request's check against a source's keys. The MACs (one per HMAC key, compared with every
 * v1 entry, not one per entry) are computed at the first v1 entry, and the signed bytes are
 * joined into one buffer only for a v1a entry (Ed25519 verifies a whole message): a v1-only
 * request hashes `{id}.{timestamp}.` and the body without copying the body.
 */
class Check {
	readonly #prefix: string
	readonly #body: Uint8Array
	readonly #keys: Keys
	#macs: Buffer[] | null = null
	#signed: Buffer | null = null

	constructor(prefix: string, body: Uint8Array, keys: Keys) {
		this.#prefix = prefix
		this.#body = body
		this.#keys = keys
	}

	entryVerifies(version: string, sig: Buffer): boolean {
		if (version === 'v1') {
			this.#macs ??= this.#keys.hmac.map((keyed) => keyed.copy().update(this.#prefix).update(this.#body).digest())
			for (const mac of this.#macs) if (safeEqualBytes(mac, sig)) return true
			return false
		}
		if (version !== 'v1a' || sig.length !== 64) return false
		this.#signed ??= Buffer.concat([Buffer.from(this.#prefix, 'utf8'), this.#body])
		for (const key of this.#keys.ed25519) {
			try {
				if (verifySignature(null, this.#signed, key, sig)) return true
			} catch {
				// a key this signature cannot be checked with: the next one
			}
		}
		return false
	}
}

/** Verifies a Standard Webhooks / Svix delivery; any supported entry matching any secret passes. */
export function verifyStandardWebhooks(req: VerifyRequest, settings: VerifySettings): boolean {
	const o = compiledOf(settings).options
	const triple = readTriple(req, settings)
	if (o === null || triple === null) return false
	const [id, timestamp, header] = triple
	const seconds = parseInteger(timestamp)
	if (seconds === null) return false
	const check = new Check(`${id}.${timestamp}.`, req.body, o.keys)
	const entries = header.split(' ')
	let ok = false
	for (let i = 0; i < Math.min(entries.length, MAX_ENTRIES) && !ok; i++) {
		const entry = entries[i] as string
		const comma = entry.indexOf(',')
		if (comma <= 0) continue
		const sig = decode(entry.slice(comma + 1), 'base64')
		ok = sig !== null && check.entryVerifies(entry.slice(0, comma), sig)
	}
	return ok && isFresh(seconds * 1000, req.nowMs, o.tolerance)
}
