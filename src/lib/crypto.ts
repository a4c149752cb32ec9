import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/** Bun's one-shot hash (UTF-8 for strings): per call it costs less than a node:crypto Hash object. */
export function sha256Hex(input: string | Uint8Array): string {
	return Bun.SHA256.hash(input, 'hex')
}

export function randomHex(bytes: number): string {
	return randomBytes(bytes).toString('hex')
}

const ENC_PREFIX = 'enc:v1:'

/**
 * AES-256-GCM for secrets at rest. The stored form is self-describing so a
 * later key rotation or format change can tell old values apart.
 */
export class SecretBox {
	readonly #key: Buffer

	constructor(key: Buffer) {
		if (key.length !== 32) throw new Error('encryption key must be 32 bytes')
		this.#key = key
	}

	seal(plaintext: string): string {
		const iv = randomBytes(12)
		const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
		const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
		return `${ENC_PREFIX}${iv.toString('base64')}:${body.toString('base64')}`
	}

	open(stored: string): string {
		if (!stored.startsWith(ENC_PREFIX)) throw new Error('value is not sealed')
		const [ivB64, bodyB64] = stored.slice(ENC_PREFIX.length).split(':')
		const iv = Buffer.from(ivB64 ?? '', 'base64')
		const body = Buffer.from(bodyB64 ?? '', 'base64')
		const decipher = createDecipheriv('aes-256-gcm', this.#key, iv)
		decipher.setAuthTag(body.subarray(body.length - 16))
		return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8')
	}

	/**
	 * Whether this key opens a sealed value (GCM authenticates: another key fails, it
	 * never decrypts to garbage). Nothing stored is nothing this key fails to open.
	 */
	canOpen(stored: string | null): boolean {
		if (stored === null) return true
		try {
			this.open(stored)
			return true
		} catch {
			return false
		}
	}
}

/** What a secret looks like in any response: never more than its last 4 characters. */
export function maskSecret(secret: string | null): string | null {
	if (secret === null) return null
	return `****${secret.length > 8 ? secret.slice(-4) : ''}`
}
