/**
 * How each provider signs, written here from its documentation with
 * node:crypto primitives only: nothing from src/ signs these requests.
 * One entry per template added for issue 16 on a new scheme or handshake.
 */
import { createHash, createHmac, generateKeyPairSync, sign as signWith, type KeyObject } from 'node:crypto'

export interface SignInput {
	body: string
	/** The absolute URL the provider posts to (Square, Trello, HubSpot, Mandrill sign it). */
	url: string
	/** The signing secret (a private key for asymmetric schemes). */
	secret: string
	/** Epoch ms the provider signs at. */
	now: number
}

export interface Signed {
	headers: Record<string, string>
	/** Replaces the body when the signature travels inside it (Mailgun, Dropbox Sign, Graph). */
	body?: string
}

export interface Preset {
	slug: string
	/** What the source is configured with (a public key for asymmetric schemes). */
	sourceSecret: string
	signingSecret: string
	/** Another signing secret of the same shape, which must not verify. */
	wrongSecret: string
	contentType?: string
	/** The body sent; defaults to the template's sample event (JSON, or the form string as is). */
	body?: (sample: unknown) => string
	sign(input: SignInput): Signed
	/** Milliseconds before now at which a signature is stale; absent when nothing signed is timed. */
	staleByMs?: number
	/**
	 * How to tamper with a signed request; absent means a one-byte change of the body.
	 * `null` when the scheme does not bind the body (static tokens, monday.com's JWT, Graph).
	 */
	tamper?: ((signed: { body: string; headers: Record<string, string> }) => { body: string; headers: Record<string, string> }) | null
}

const hmac = (alg: 'sha1' | 'sha256', key: string, data: string, enc: 'hex' | 'base64' | 'base64url') => createHmac(alg, key).update(data).digest(enc)
const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const seconds = (ms: number) => String(Math.floor(ms / 1000))
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex')

function jwtHs256(secret: string, claims: Record<string, unknown>): string {
	const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`
	return `${input}.${hmac('sha256', secret, input, 'base64url')}`
}

function ecKeys(kid: string): { privatePem: string; publicJwk: string; key: KeyObject } {
	const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
	return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicJwk: JSON.stringify({ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }), key: privateKey }
}

function edKeys(): { privatePem: string; publicHex: string } {
	const { privateKey, publicKey } = generateKeyPairSync('ed25519')
	return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicHex: (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12).toString('hex') }
}

const plaidKey = ecKeys('6c5516e1-92dc-479e-a8ff-5a51992e0001')
const plaidOther = ecKeys('6c5516e1-92dc-479e-a8ff-5a51992e0001')
const discordKey = edKeys()
const discordOther = edKeys()

/** `t=…,v1=…` in the Stripe family, with the provider's own unit, encoding and spacing. */
const pairs = (header: string, unit: 's' | 'ms', enc: 'hex' | 'base64url', sep = ','): Preset['sign'] => ({ body, secret, now }) => {
	const t = unit === 's' ? seconds(now) : String(now)
	return { headers: { [header]: `t=${t}${sep}v1=${hmac('sha256', secret, `${t}.${body}`, enc)}` } }
}

const token = (header: string, prefix = ''): Preset['sign'] => ({ secret }) => ({ headers: { [header]: prefix + secret } })

const multipart = (json: string) => `--hookstreamBoundary\r\nContent-Disposition: form-data; name="json"\r\n\r\n${json}\r\n--hookstreamBoundary--\r\n`

export const PRESETS: Preset[] = [
	{ slug: 'zoom', sourceSecret: 'zoom-secret-token', signingSecret: 'zoom-secret-token', wrongSecret: 'zoom-secret-tokeN', staleByMs: 360_000,
		sign: ({ body, secret, now }) => ({ headers: { 'x-zm-request-timestamp': seconds(now), 'x-zm-signature': `v0=${hmac('sha256', secret, `v0:${seconds(now)}:${body}`, 'hex')}` } }) },
	{ slug: 'discord', sourceSecret: discordKey.publicHex, signingSecret: discordKey.privatePem, wrongSecret: discordOther.privatePem, staleByMs: 360_000,
		sign: ({ body, secret, now }) => ({ headers: { 'x-signature-timestamp': seconds(now), 'x-signature-ed25519': signWith(null, Buffer.from(seconds(now) + body), secret).toString('hex') } }) },
	{ slug: 'square', sourceSecret: 'sq-signature-key', signingSecret: 'sq-signature-key', wrongSecret: 'sq-signature-kez',
		sign: ({ body, url, secret }) => ({ headers: { 'x-square-hmacsha256-signature': hmac('sha256', secret, url + body, 'base64') } }) },
	{ slug: 'hubspot', sourceSecret: 'hs-client-secret', signingSecret: 'hs-client-secret', wrongSecret: 'hs-client-secreT', staleByMs: 360_000,
		sign: ({ body, url, secret, now }) => ({ headers: { 'x-hubspot-request-timestamp': String(now), 'x-hubspot-signature-v3': hmac('sha256', secret, `POST${url}${body}${now}`, 'base64') } }) },
	{ slug: 'trello', sourceSecret: 'trello-app-secret', signingSecret: 'trello-app-secret', wrongSecret: 'trello-app-secreT',
		sign: ({ body, url, secret }) => ({ headers: { 'x-trello-webhook': hmac('sha1', secret, body + url, 'base64') } }) },
	{ slug: 'mandrill', sourceSecret: 'mandrill-webhook-key', signingSecret: 'mandrill-webhook-key', wrongSecret: 'mandrill-webhook-keY', contentType: 'application/x-www-form-urlencoded',
		sign: ({ body, url, secret }) => {
			const params = [...new URLSearchParams(body)].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => k + v).join('')
			return { headers: { 'x-mandrill-signature': hmac('sha1', secret, url + params, 'base64') } }
		} },
	{ slug: 'mailgun', sourceSecret: 'key-mailgun-signing', signingSecret: 'key-mailgun-signing', wrongSecret: 'key-mailgun-signinG', staleByMs: 960_000,
		sign: ({ body, secret, now }) => {
			const event = JSON.parse(body) as Record<string, unknown>
			const tokenValue = 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0'
			event.signature = { timestamp: seconds(now), token: tokenValue, signature: hmac('sha256', secret, seconds(now) + tokenValue, 'hex') }
			return { headers: {}, body: JSON.stringify(event) }
		},
		tamper: ({ body, headers }) => ({ headers, body: body.replace('a8ce0edb', 'a8ce0edc') }) },
	{ slug: 'dropbox-sign', sourceSecret: 'dbs-api-key', signingSecret: 'dbs-api-key', wrongSecret: 'dbs-api-keY', contentType: 'multipart/form-data; boundary=hookstreamBoundary',
		sign: ({ body, secret }) => {
			const json = JSON.parse(body) as { event: Record<string, string> }
			json.event.event_hash = hmac('sha256', secret, `${json.event.event_time}${json.event.event_type}`, 'hex')
			return { headers: {}, body: multipart(JSON.stringify(json)) }
		},
		tamper: ({ body, headers }) => ({ headers, body: body.replace('signature_request_sent', 'signature_request_signed') }) },
	{ slug: 'box', sourceSecret: 'box-primary-key', signingSecret: 'box-primary-key', wrongSecret: 'box-primary-keY', staleByMs: 660_000,
		sign: ({ body, secret, now }) => {
			const ts = new Date(now).toISOString().replace(/\.\d{3}Z$/, '-00:00')
			return { headers: { 'box-delivery-id': 'f96bb54b-ee16-4fc5-aa65-8c2d9e5b546f', 'box-delivery-timestamp': ts, 'box-signature-primary': hmac('sha256', secret, body + ts, 'base64'), 'box-signature-version': '1', 'box-signature-algorithm': 'HmacSHA256' } }
		} },
	{ slug: 'dropbox', sourceSecret: 'dropbox-app-secret', signingSecret: 'dropbox-app-secret', wrongSecret: 'dropbox-app-secreT',
		sign: ({ body, secret }) => ({ headers: { 'x-dropbox-signature': hmac('sha256', secret, body, 'hex') } }) },
	{ slug: 'asana', sourceSecret: 'b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81', signingSecret: 'b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81', wrongSecret: 'b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e82',
		sign: ({ body, secret }) => ({ headers: { 'x-hook-signature': hmac('sha256', secret, body, 'hex') } }) },
	{ slug: 'monday', sourceSecret: 'monday-signing-secret', signingSecret: 'monday-signing-secret', wrongSecret: 'monday-signing-secreT', staleByMs: 120_000, tamper: null,
		sign: ({ secret, now }) => ({ headers: { authorization: jwtHs256(secret, { accountId: 1825528, userId: 4012689, aud: 'https://hooks.example.com', exp: Math.floor(now / 1000) + 60, iat: Math.floor(now / 1000) }) } }) },
	{ slug: 'okta', sourceSecret: 'Basic b2t0YTpob29rLXNlY3JldA==', signingSecret: 'Basic b2t0YTpob29rLXNlY3JldA==', wrongSecret: 'Basic b2t0YTpob29rLXNlY3JldB==', tamper: null, sign: token('authorization') },
	{ slug: 'twitch', sourceSecret: 'twitch-sub-secret', signingSecret: 'twitch-sub-secret', wrongSecret: 'twitch-sub-secreT', staleByMs: 660_000,
		sign: ({ body, secret, now }) => {
			const id = 'befa7b53-d79d-478f-86b9-120f112b044e'
			const ts = new Date(now).toISOString().replace('Z', '634234Z')
			return { headers: { 'twitch-eventsub-message-id': id, 'twitch-eventsub-message-timestamp': ts, 'twitch-eventsub-message-type': 'notification', 'twitch-eventsub-message-signature': `sha256=${hmac('sha256', secret, id + ts + body, 'hex')}` } }
		} },
	{ slug: 'meta', sourceSecret: 'meta-app-secret', signingSecret: 'meta-app-secret', wrongSecret: 'meta-app-secreT',
		sign: ({ body, secret }) => ({ headers: { 'x-hub-signature-256': `sha256=${hmac('sha256', secret, body, 'hex')}` } }) },
	{ slug: 'twitter', sourceSecret: 'consumer-secret', signingSecret: 'consumer-secret', wrongSecret: 'consumer-secreT',
		sign: ({ body, secret }) => ({ headers: { 'x-twitter-webhooks-signature': `sha256=${hmac('sha256', secret, body, 'base64')}` } }) },
	{ slug: 'microsoft-graph', sourceSecret: 'graph-client-state-1', signingSecret: 'graph-client-state-1', wrongSecret: 'graph-client-state-2', tamper: null,
		sign: ({ body, secret }) => ({ headers: {}, body: body.replace('"clientState":"secretClientState"', `"clientState":${JSON.stringify(secret)}`) }) },
	{ slug: 'telegram', sourceSecret: 'tg_secret-token_1', signingSecret: 'tg_secret-token_1', wrongSecret: 'tg_secret-token_2', tamper: null, sign: token('x-telegram-bot-api-secret-token') },
	{ slug: 'gitlab', sourceSecret: 'gitlab-token', signingSecret: 'gitlab-token', wrongSecret: 'gitlab-tokeN', tamper: null, sign: token('x-gitlab-token') },
	{ slug: 'xendit', sourceSecret: 'xnd-callback-token', signingSecret: 'xnd-callback-token', wrongSecret: 'xnd-callback-tokeN', tamper: null, sign: token('x-callback-token') },
	{ slug: 'strapi', sourceSecret: 'strapi-token', signingSecret: 'strapi-token', wrongSecret: 'strapi-tokeN', tamper: null, sign: token('authorization', 'Bearer ') },
	{ slug: 'plaid', sourceSecret: plaidKey.publicJwk, signingSecret: plaidKey.privatePem, wrongSecret: plaidOther.privatePem, staleByMs: 360_000,
		sign: ({ body, secret, now }) => {
			const input = `${b64url({ alg: 'ES256', kid: '6c5516e1-92dc-479e-a8ff-5a51992e0001', typ: 'JWT' })}.${b64url({ iat: Math.floor(now / 1000), request_body_sha256: sha256Hex(body) })}`
			const signature = signWith('sha256', Buffer.from(input), { key: secret, dsaEncoding: 'ieee-p1363' }).toString('base64url')
			return { headers: { 'plaid-verification': `${input}.${signature}` } }
		} },
	{ slug: 'calendly', sourceSecret: 'calendly-signing-key', signingSecret: 'calendly-signing-key', wrongSecret: 'calendly-signing-keY', staleByMs: 240_000, sign: pairs('calendly-webhook-signature', 's', 'hex') },
	{ slug: 'workos', sourceSecret: 'workos-endpoint-secret', signingSecret: 'workos-endpoint-secret', wrongSecret: 'workos-endpoint-secreT', staleByMs: 240_000, sign: pairs('workos-signature', 'ms', 'hex', ', ') },
	{ slug: 'sanity', sourceSecret: 'sanity-webhook-secret', signingSecret: 'sanity-webhook-secret', wrongSecret: 'sanity-webhook-secreT', staleByMs: 360_000, sign: pairs('sanity-webhook-signature', 'ms', 'base64url') },
	{ slug: 'mux', sourceSecret: 'mux-signing-secret', signingSecret: 'mux-signing-secret', wrongSecret: 'mux-signing-secreT', staleByMs: 360_000, sign: pairs('mux-signature', 's', 'hex') },
	{ slug: 'persona', sourceSecret: 'wbhsec_persona', signingSecret: 'wbhsec_persona', wrongSecret: 'wbhsec_personA', staleByMs: 360_000, sign: pairs('persona-signature', 's', 'hex') },
	{ slug: 'recurly', sourceSecret: 'recurly-endpoint-key', signingSecret: 'recurly-endpoint-key', wrongSecret: 'recurly-endpoint-keY', staleByMs: 360_000,
		sign: ({ body, secret, now }) => ({ headers: { 'recurly-signature': `${now},${hmac('sha256', secret, `${now}.${body}`, 'hex')}` } }) },
	{ slug: 'netlify', sourceSecret: 'netlify-jws-secret', signingSecret: 'netlify-jws-secret', wrongSecret: 'netlify-jws-secreT',
		sign: ({ body, secret }) => ({ headers: { 'x-webhook-signature': jwtHs256(secret, { iss: 'netlify', sha256: sha256Hex(body) }) } }) },
	{ slug: 'cloudinary', sourceSecret: 'cld-api-secret', signingSecret: 'cld-api-secret', wrongSecret: 'cld-api-secreT', staleByMs: 7_300_000,
		sign: ({ body, secret, now }) => ({ headers: { 'x-cld-timestamp': seconds(now), 'x-cld-signature': createHash('sha1').update(body + seconds(now) + secret).digest('hex') } }) }
]
