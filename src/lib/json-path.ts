const INDEX = /^\d+$/

/**
 * Follows dot-path segments into parsed JSON. Arrays take numeric segments;
 * objects only their own properties, so `constructor` or `__proto__` never
 * reach Object.prototype. Anything missing reads as undefined.
 */
export function readJsonPath(value: unknown, segments: readonly string[]): unknown {
	let current = value
	for (const seg of segments) {
		if (current === null || typeof current !== 'object') return undefined
		if (Array.isArray(current)) {
			if (!INDEX.test(seg)) return undefined
			current = current[Number(seg)]
		} else {
			if (!Object.hasOwn(current, seg)) return undefined
			current = (current as Record<string, unknown>)[seg]
		}
	}
	return current
}
