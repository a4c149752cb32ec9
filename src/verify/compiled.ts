import { createHash } from 'node:crypto'
import type { VerifySettings } from './types'
import { activeSecrets, type HmacAlgorithm, safeEqualBytes } from './util'

/**
 * Settings objects are built once per source and replaced when it changes (see
 * src/ingest/source-cache.ts), so what a MAC scheme derives from them is kept beside them
 * instead of redone per request: its parsed options (null: unusable, every request fails),
 * the secrets worth trying, and per secret a hasher already keyed (each request MACs on a
 * copy of it; null when the secret yields no usable key).
 */
export interface Compiled<O> {
	options: O | null
	secrets: string[]
	macs: Map<string, Bun.CryptoHasher | null>
}

/**
 * One scheme's cache: `read` parses its options the first time a settings object is seen.
 * Each settings object belongs to one scheme, so each scheme keeps its own.
 */
export function compiledCache<O>(read: (settings: VerifySettings) => O | null): (settings: VerifySettings) => Compiled<O> {
	const compiled = new WeakMap<VerifySettings, Compiled<O>>()
	return (settings) => {
		let c = compiled.get(settings)
		if (!c) {
			c = { options: read(settings), secrets: activeSecrets(settings), macs: new Map() }
			compiled.set(settings, c)
		}
		return c
	}
}

/** The hasher `key` makes for a secret (with the scheme's options), made once per secret. */
export function keyedMac<O>(c: Compiled<O>, secret: string, o: O, key: (secret: string, o: O) => Bun.CryptoHasher | null): Bun.CryptoHasher | null {
	let mac = c.macs.get(secret)
	if (mac === undefined) {
		mac = key(secret, o)
		c.macs.set(secret, mac)
	}
	return mac
}

/** SHA-256 of a secret or of what a request brings (text as UTF-8): compared digests have equal lengths, so no length leaks. */
export const sha256 = (value: string | Uint8Array): Buffer => createHash('sha256').update(value).digest()

/**
 * Each active secret's SHA-256, once per source settings: for schemes that compare a secret rather
 * than MAC with it (basic auth, Graph clientState). One cache serves them all: it reads nothing
 * scheme-specific.
 */
export const secretDigests = compiledCache((settings) => activeSecrets(settings).map(sha256))

/** The key maker of a scheme keyed with the secret itself as UTF-8 (an active secret is never empty). */
export const utf8Keyed = (algorithm: HmacAlgorithm) => (secret: string): Bun.CryptoHasher => new Bun.CryptoHasher(algorithm, secret)

/**
 * Whether the MAC of `parts` under one of the secrets (each keyed once: keyedMac) is one of
 * `signatures`, compared in constant time. Loops rather than callbacks: every signed request
 * of an HMAC scheme runs this.
 */
export function anySecretSigned<O>(
	c: Compiled<O>,
	o: O,
	key: (secret: string, o: O) => Bun.CryptoHasher | null,
	parts: readonly (string | Uint8Array)[],
	signatures: readonly Uint8Array[]
): boolean {
	for (const secret of c.secrets) {
		const keyed = keyedMac(c, secret, o, key)
		if (keyed === null) continue
		const mac = keyed.copy()
		for (const part of parts) mac.update(part)
		const expected = mac.digest()
		for (const sig of signatures) if (safeEqualBytes(expected, sig)) return true
	}
	return false
}
