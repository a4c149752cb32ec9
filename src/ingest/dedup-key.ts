import { sha256Hex } from '../lib/crypto'
import { readJsonPath } from '../lib/json-path'
import type { CompiledSource } from './source-cache'

/** `data.id` or `$.data.id` (array indexes as numeric segments) into parsed JSON. */
function readPath(value: unknown, path: string): unknown {
	return readJsonPath(value, path.replace(/^\$\./, '').split('.'))
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
