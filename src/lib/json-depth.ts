/**
 * How deep a JSON body may nest before hookstream treats it as not-JSON. Parsing
 * a deep body is fine, but everything after it recurses (filters, JSON Schema,
 * JSONata, serialising the event back out): 50,000 levels overflow the stack.
 * Real webhook payloads stay far below this.
 */
export const MAX_JSON_DEPTH = 128

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_ARRAY = 0x5b
const OPEN_OBJECT = 0x7b
const CLOSE_ARRAY = 0x5d
const CLOSE_OBJECT = 0x7d

/**
 * True when the bytes never open more than `max` arrays/objects at once (brackets
 * inside strings do not count). One pass, no recursion, no allocation; it does not
 * check that the text is JSON (JSON.parse does that next).
 */
export function jsonDepthWithin(bytes: Uint8Array, max: number = MAX_JSON_DEPTH): boolean {
	// Each level takes an opening byte: a shorter body cannot be deeper.
	if (bytes.length <= max) return true
	let depth = 0
	let inString = false
	for (let i = 0; i < bytes.length; i++) {
		const b = bytes[i]
		if (inString) {
			if (b === BACKSLASH) i++
			else if (b === QUOTE) inString = false
		} else if (b === QUOTE) inString = true
		else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
			if (++depth > max) return false
		} else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--
	}
	return true
}
