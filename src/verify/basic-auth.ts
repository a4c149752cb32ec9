/**
 * HTTP Basic auth (`basic_auth`), for senders that sign nothing (Postmark):
 * `Authorization: Basic base64(user:password)` must equal a secret written as
 * `user:password`. Nothing binds the body, so this authenticates the sender
 * only; pair it with an IP allowlist and dedup.
 *
 * The header is `settings.header`, defaulting to `Authorization`. No config keys.
 */
import { secretDigests, sha256 } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { decode, safeEqualBytes, signatureHeader } from './util'

/** Verifies Basic credentials against any configured `user:password` secret. */
export function verifyBasicAuth(req: VerifyRequest, settings: VerifySettings): boolean {
	const header = signatureHeader(req, settings, 'Authorization')
	if (header === null) return false
	const match = /^basic\s+(\S+)$/i.exec(header)
	const token = match?.[1]
	if (token === undefined) return false
	const credentials = decode(token, 'base64')
	if (credentials === null || !credentials.includes(0x3a)) return false
	// Hashing both sides first gives equal-length inputs, so not even the password's length leaks.
	const received = sha256(credentials)
	for (const secret of secretDigests(settings).options ?? []) if (safeEqualBytes(received, secret)) return true
	return false
}
