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
import { compiledCache, sha256 } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { activeSecrets, configString, safeEqualBytes, signatureHeader } from './util'

// The prefix and the secrets' digests, read once per source settings (compiled.ts); null: unusable, every request fails.
const compiledOf = compiledCache((settings) => {
	const prefix = configString(settings.config, 'prefix')
	// `prefixed`: any prefix configured, even blanks (then the token is the header trimmed).
	return prefix === false ? null : { prefixed: Boolean(prefix), prefix: prefix ? prefix.trim() : '', secrets: activeSecrets(settings).map(sha256) }
})

/** True when the header (minus a configured prefix) equals one of the secrets. */
export function verifyHeaderToken(req: VerifyRequest, settings: VerifySettings): boolean {
	const o = compiledOf(settings).options
	if (o === null) return false
	const header = signatureHeader(req, settings, 'Authorization')
	if (header === null) return false
	if (o.prefixed && !header.startsWith(o.prefix)) return false
	const token = o.prefixed ? header.slice(o.prefix.length).trim() : header
	if (token === '') return false
	const received = sha256(token)
	let ok = false
	// Every secret is compared, so which one matched (or that none did) costs the same time.
	for (const secret of o.secrets) ok = safeEqualBytes(secret, received) || ok
	return ok
}
