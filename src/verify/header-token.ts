/**
 * Static shared secret in a header (`header_token`): GitLab `X-Gitlab-Token`,
 * Telegram `X-Telegram-Bot-Api-Secret-Token`, Xendit `x-callback-token`, Okta
 * and Strapi `Authorization`. Nothing is signed: the token proves the sender
 * knows the secret, and the body is not covered, so dedup guards replays.
 *
 * Config: `prefix` (e.g. `Bearer `), required when set and stripped before
 * the compare. The header is `settings.header`, defaulting to `Authorization`.
 * Both sides are hashed before the constant-time compare, so neither the
 * token's length nor its content leaks through timing.
 */
import { createHash } from 'node:crypto'
import type { VerifyRequest, VerifySettings } from './types'
import { activeSecrets, configString, safeEqualBytes, signatureHeader } from './util'

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest()

/** True when the header (minus a configured prefix) equals one of the secrets. */
export function verifyHeaderToken(req: VerifyRequest, settings: VerifySettings): boolean {
	const prefix = configString(settings.config, 'prefix')
	if (prefix === false) return false
	const header = signatureHeader(req, settings, 'Authorization')
	if (header === null) return false
	if (prefix && !header.startsWith(prefix.trim())) return false
	const token = prefix ? header.slice(prefix.trim().length).trim() : header
	if (token === '') return false
	const received = digest(token)
	let ok = false
	// Every secret is compared, so which one matched (or that none did) costs the same time.
	for (const secret of activeSecrets(settings)) ok = safeEqualBytes(digest(secret), received) || ok
	return ok
}
