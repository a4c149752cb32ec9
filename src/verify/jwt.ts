/**
 * A JWT (compact JWS) in a header (`jwt`): Netlify (`X-Webhook-Signature`,
 * HS256, claims `iss: netlify` and `sha256` of the body), Plaid
 * (`Plaid-Verification`, ES256 with a JWK, claims `iat` and
 * `request_body_sha256`), monday.com (`Authorization`, HS256).
 *
 * Config:
 * - `algorithm`: `HS256` (default; secrets are the shared key as UTF-8) |
 *   `ES256` (secrets are P-256 public keys as JWK JSON or PEM). The token's
 *   own `alg` must equal it: the key type is never chosen by the sender.
 * - `issuer`: the required `iss`.
 * - `body_hash_claim`: the claim holding the hex SHA-256 of the raw body;
 *   without it the body is not covered (monday.com signs no body hash).
 * - `tolerance_seconds`: maximum age of `iat` (required then); default `0`,
 *   no `iat` check. An `exp` in the past always fails.
 * - `plaid_client_id` (+ `plaid_environment`): ES256 keys are fetched by
 *   `kid` from Plaid outside this verifier (src/ingest/plaid-keys.ts) and
 *   arrive in `settings.material`; the secret is then the Plaid API secret.
 * The header is `settings.header`, defaulting to `Authorization`; a leading
 * `Bearer ` is stripped. ES256 keys are the secrets that parse as P-256
 * public keys plus any fetched material, so this stays pure.
 */
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto'
import { jsonObject } from './body-fields'
import { anySecretSigned, type Compiled, compiledCache, utf8Keyed } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { configString, decode, readTolerance, safeEqualBytes, signatureHeader } from './util'

type Algorithm = 'HS256' | 'ES256'

interface Token {
	header: Record<string, unknown>
	claims: Record<string, unknown>
	signingInput: string
	signature: Buffer
}

function parseToken(value: string): Token | null {
	const parts = value.split('.')
	if (parts.length !== 3) return null
	const [h, c, s] = parts as [string, string, string]
	const header = jsonObject(decode(h, 'base64url')?.toString('utf8') ?? null)
	const claims = jsonObject(decode(c, 'base64url')?.toString('utf8') ?? null)
	const signature = decode(s, 'base64url')
	if (!header || !claims || !signature) return null
	return { header, claims, signature, signingInput: `${h}.${c}` }
}

const keyCache = new Map<string, { key: KeyObject; kid: string | null } | null>()

/** A P-256 public key from a JWK JSON or PEM secret, with the JWK's `kid`. */
function ecKey(secret: string): { key: KeyObject; kid: string | null } | null {
	const cached = keyCache.get(secret)
	if (cached !== undefined) return cached
	let out: { key: KeyObject; kid: string | null } | null = null
	try {
		const jwk = secret.trim().startsWith('{') ? (JSON.parse(secret) as Record<string, unknown>) : null
		const key = jwk ? createPublicKey({ key: jwk as never, format: 'jwk' }) : createPublicKey(secret)
		const details = key.asymmetricKeyDetails
		if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') out = { key, kid: typeof jwk?.kid === 'string' ? jwk.kid : null }
	} catch {
		out = null
	}
	if (keyCache.size >= 256) keyCache.clear()
	keyCache.set(secret, out)
	return out
}

interface JwtOptions {
	algorithm: Algorithm
	issuer: string | undefined
	bodyClaim: string | undefined
	tolerance: number
}

// The options are read once per source settings (compiled.ts); null: unusable, every request fails. A request
// with fetched keys (Plaid) brings a settings copy of its own and so compiles anew: its ES256 check costs far more.
const compiledOf = compiledCache((settings): JwtOptions | null => {
	const algorithm = settings.config.algorithm ?? 'HS256'
	const issuer = configString(settings.config, 'issuer')
	const bodyClaim = configString(settings.config, 'body_hash_claim')
	const tolerance = readTolerance(settings.config, 0)
	if ((algorithm !== 'HS256' && algorithm !== 'ES256') || issuer === false || bodyClaim === false || tolerance === null) return null
	return { algorithm, issuer: issuer || undefined, bodyClaim: bodyClaim || undefined, tolerance }
})

/** HS256: HMAC-SHA256 keyed with the secret as UTF-8. */
const hasherOf = utf8Keyed('sha256')

function signatureOk(token: Token, c: Compiled<JwtOptions>, o: JwtOptions, settings: VerifySettings): boolean {
	if (o.algorithm === 'HS256') return anySecretSigned(c, o, hasherOf, [token.signingInput], [token.signature])
	// Fetched material only ever serves as public keys, never as an HMAC secret.
	const secrets = [...c.secrets, ...(settings.material?.values() ?? [])]
	if (token.signature.length !== 64) return false
	const kid = typeof token.header.kid === 'string' ? token.header.kid : null
	return secrets.some((secret) => {
		const k = ecKey(secret)
		if (k === null || (kid !== null && k.kid !== null && k.kid !== kid)) return false
		return verifySignature('sha256', Buffer.from(token.signingInput), { key: k.key, dsaEncoding: 'ieee-p1363' }, token.signature)
	})
}

function claimsOk(token: Token, req: VerifyRequest, issuer: string | undefined, bodyClaim: string | undefined, tolerance: number): boolean {
	const { claims } = token
	if (issuer !== undefined && claims.iss !== issuer) return false
	if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp * 1000 <= req.nowMs)) return false
	if (tolerance > 0) {
		if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) return false
		if (req.nowMs - claims.iat * 1000 > tolerance * 1000 || claims.iat * 1000 - req.nowMs > tolerance * 1000) return false
	}
	if (bodyClaim === undefined) return true
	const claimed = typeof claims[bodyClaim] === 'string' ? decode(claims[bodyClaim] as string, 'hex') : null
	return claimed !== null && safeEqualBytes(createHash('sha256').update(req.body).digest(), claimed)
}

/** Verifies a JWT-signed request: see the module comment for the config keys. */
export function verifyJwt(req: VerifyRequest, settings: VerifySettings): boolean {
	const c = compiledOf(settings)
	const o = c.options
	if (o === null) return false
	const header = signatureHeader(req, settings, 'Authorization')
	if (header === null) return false
	const token = parseToken(header.replace(/^Bearer\s+/i, ''))
	if (token === null || token.header.alg !== o.algorithm) return false
	return signatureOk(token, c, o, settings) && claimsOk(token, req, o.issuer, o.bodyClaim, o.tolerance)
}
