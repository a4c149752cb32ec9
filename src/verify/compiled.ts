import type { VerifySettings } from './types'
import { activeSecrets } from './util'

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
