import { maskSecret, type SecretBox } from '../lib/crypto'

/**
 * A source may hold several verification secrets at once (rotation: old and new
 * both verify until the old one is removed). They are sealed together as one
 * JSON array; a value sealed before rotation existed is a bare string.
 */
export function sealSecrets(box: SecretBox, value: string | string[]): string {
	return box.seal(JSON.stringify(Array.isArray(value) ? value : [value]))
}

export function openSecrets(box: SecretBox, sealed: string | null): string[] {
	if (sealed === null) return []
	const plain = box.open(sealed)
	try {
		const parsed: unknown = JSON.parse(plain)
		if (Array.isArray(parsed) && parsed.every((s) => typeof s === 'string')) return parsed
	} catch {}
	return [plain]
}

/** `****abcd`, or `****abcd ****wxyz` while rotating. */
export function maskSecrets(box: SecretBox, sealed: string | null): string | null {
	if (sealed === null) return null
	return openSecrets(box, sealed).map((s) => maskSecret(s)).join(' ')
}
