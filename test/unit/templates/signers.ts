/**
 * Case builders for the three shapes the presets share. Every signer follows
 * the provider's documented recipe with WebCrypto or the Standard Webhooks /
 * Svix libraries; none reuses src/verify.
 */
import { Webhook as SvixWebhook } from 'svix'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { basicAuthHeader, hmac, toBase64, toHex, type Headers, type PresetCase } from './presets'

type Hash = 'SHA-1' | 'SHA-256' | 'SHA-512'

export interface BodyHmacSpec {
	slug: string
	header: string
	hash: Hash
	encoding: 'hex' | 'base64'
	/** Text before the digest, e.g. `sha256=`. */
	prefix?: string
	secret: string
	wrongSecret: string
	/** Key bytes from the pasted secret (default: its UTF-8 bytes). */
	key?: (secret: string) => Uint8Array<ArrayBuffer>
	/** Other headers the provider sends along (delivery ids, event names). */
	extra?: Headers
}

/** Providers whose signature is an HMAC of the raw body alone. */
export function bodyHmac(spec: BodyHmacSpec): PresetCase {
	return {
		slug: spec.slug, secret: spec.secret, wrongSecret: spec.wrongSecret, signatureHeader: spec.header, timestamped: false, bindsBody: true,
		async sign(body, secret) {
			const mac = await hmac(spec.hash, spec.key ? spec.key(secret) : secret, body)
			const digest = spec.encoding === 'hex' ? toHex(mac) : toBase64(mac)
			return { [spec.header]: `${spec.prefix ?? ''}${digest}`, ...spec.extra }
		}
	}
}

/** Providers that only offer HTTP Basic auth: the credentials are the secret and nothing covers the body. */
export function basicAuth(slug: string, secret: string, extra: Headers = {}): PresetCase {
	return {
		slug, secret, wrongSecret: `${secret}-not`, signatureHeader: 'Authorization', timestamped: false, bindsBody: false,
		async sign(_body, s) {
			return { Authorization: basicAuthHeader(s), ...extra }
		}
	}
}

/**
 * Standard Webhooks senders, signed with the specification's own reference
 * library (`standardwebhooks`), or Svix's library for senders that deliver
 * through Svix. `family` names the header triple (`webhook-*` or `svix-*`).
 */
export function standardWebhooks(slug: string, secret: string, wrongSecret: string, family: 'webhook' | 'svix' | 'Webhook' = 'webhook'): PresetCase {
	return {
		slug, secret, wrongSecret, signatureHeader: `${family}-signature`, timestamped: true, bindsBody: true,
		async sign(body, s, nowSec) {
			const id = `msg_${slug.replaceAll('-', '')}${nowSec}`
			const at = new Date(nowSec * 1000)
			const signature = family === 'svix' ? new SvixWebhook(s).sign(id, at, body) : new StandardWebhook(s).sign(id, at, body)
			return { [`${family}-id`]: id, [`${family}-timestamp`]: String(nowSec), [`${family}-signature`]: signature }
		}
	}
}
