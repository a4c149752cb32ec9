/**
 * HTTP Basic auth (`basic_auth`), for senders that sign nothing (Postmark):
 * `Authorization: Basic base64(user:password)` must equal a secret written as
 * `user:password`. Nothing binds the body, so this authenticates the sender
 * only; pair it with an IP allowlist and dedup.
 *
 * The header is `settings.header`, defaulting to `Authorization`. No config keys.
 */
import { createHash } from 'node:crypto'
import { compiledCache } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { activeSecrets, decode, safeEqualBytes, signatureHeader } from './util'

// Hashing both sides first gives equal-length inputs, so not even the password's length leaks.
function digest(bytes: Uint8Array): Buffer {
	return createHash('sha256').update(bytes).digest()
}

/** The secrets' digests, taken once per source settings (compiled.ts). */
const digestsOf = compiledCache((settings) => activeSecrets(settings).map((secret) => digest(Buffer.from(secret, 'utf8'))))

/** Verifies Basic credentials against any configured `user:password` secret. */
export function verifyBasicAuth(req: VerifyRequest, settings: VerifySettings): boolean {
	const header = signatureHeader(req, settings, 'Authorization')
	if (header === null) return false
	const match = /^basic\s+(\S+)$/i.exec(header)
	const token = match?.[1]
	if (token === undefined) return false
	const credentials = decode(token, 'base64')
	if (credentials === null || !credentials.includes(0x3a)) return false
	const received = digest(credentials)
	for (const secret of digestsOf(settings).options ?? []) if (safeEqualBytes(received, secret)) return true
	return false
}
