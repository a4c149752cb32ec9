import { sha256Hex } from '../lib/crypto'
import type { CompiledSource } from './source-cache'

/** Follows `data.id` / `$.data.id` (array indexes as numeric segments) into parsed JSON. */
export function readPath(value: unknown, path: string): unknown {
	const segments = path.replace(/^\$\./, '').split('.')
	let current = value
	for (const seg of segments) {
		if (current === null || typeof current !== 'object') return undefined
		current = (current as Record<string, unknown>)[seg]
	}
	return current
}

/**
 * The key two deliveries of the same event share, hashed. Null when the event
 * carries no key (missing header or field): such events are never called duplicates.
 */
export function dedupKeyOf(dedup: NonNullable<CompiledSource['dedup']>, body: Uint8Array, headers: Headers, json: () => unknown): string | null {
	switch (dedup.strategy) {
		case 'payload_hash':
			return sha256Hex(body)
		case 'header_field': {
			const value = dedup.field ? headers.get(dedup.field) : null
			return value ? sha256Hex(`h:${value}`) : null
		}
		case 'body_field': {
			const value = dedup.field ? readPath(json(), dedup.field) : undefined
			if (value === undefined || value === null) return null
			return sha256Hex(`b:${typeof value === 'string' ? value : JSON.stringify(value)}`)
		}
	}
}
