/**
 * Timestamped HMAC headers in the Stripe family (`timestamped_hmac`):
 * HMAC-SHA256 over `{t}{payload_separator}{body}` keyed with the secret as
 * UTF-8, the timestamp and signatures carried in one header. Stripe itself
 * goes through here with its fixed options (see stripe.ts).
 *
 * Config (all optional):
 * - `format`: `pairs` (default: `t=…,v1=…[,v1=…]`: Calendly, Mux, WorkOS,
 *   Sanity, Persona) | `positional` (`<t>,<sig>[,<sig>…]`: Recurly).
 * - `pair_separator` (default `,`), `group_separator` (e.g. ` ` for
 *   Persona, which sends one `t=…,v1=…` group per active secret).
 * - `timestamp_key` (default `t`), `signature_key` (default `v1`).
 * - `payload_separator` (default `.`).
 * - `timestamp_unit`: `s` (default) | `ms` (WorkOS, Sanity, Recurly).
 * - `encoding`: `hex` (default) | `base64` | `base64url` (Sanity).
 * - `tolerance_seconds` (default 300, `0` disables); `only_age`: `true`
 *   rejects only old timestamps (stripe-node), default both directions.
 * The header is `settings.header`; there is no default, the scheme is shared.
 */
import { anySecretSigned, type Compiled, compiledCache, utf8Keyed } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import {
	configString, decode, forEachPair, isFresh, isSignatureEncoding, parseInteger, readTolerance, signatureHeader,
	type SignatureEncoding
} from './util'

/** Signature groups (each with its own timestamp) tried per request; real headers carry one or two. */
const MAX_GROUPS = 10

const DEFAULT_TOLERANCE_SECONDS = 300

export interface TimestampedOptions {
	format: 'pairs' | 'positional'
	pairSeparator: string
	groupSeparator: string | undefined
	timestampKey: string
	signatureKey: string
	payloadSeparator: string
	unit: 's' | 'ms'
	encoding: SignatureEncoding
	tolerance: number
	onlyAge: boolean
}

/** One timestamp with the signatures sent for it. */
interface Group {
	/** As sent: the signed string starts with it. */
	t: string
	/** `t` as a number, in the scheme's unit. */
	stamp: number
	signatures: Uint8Array[]
}

function readOptions(c: Record<string, unknown>): TimestampedOptions | null {
	const strings = ['pair_separator', 'group_separator', 'timestamp_key', 'signature_key', 'payload_separator'].map((k) => configString(c, k))
	if (strings.includes(false)) return null
	const [pair, group, tKey, sKey, payload] = strings as (string | undefined)[]
	const format = c.format ?? 'pairs'
	const unit = c.timestamp_unit ?? 's'
	const encoding = c.encoding ?? 'hex'
	const tolerance = readTolerance(c, DEFAULT_TOLERANCE_SECONDS)
	if ((format !== 'pairs' && format !== 'positional') || (unit !== 's' && unit !== 'ms') || !isSignatureEncoding(encoding)) return null
	if (tolerance === null || (c.only_age !== undefined && typeof c.only_age !== 'boolean')) return null
	return {
		format, unit, encoding, tolerance, onlyAge: c.only_age === true,
		pairSeparator: pair || ',', groupSeparator: group || undefined, timestampKey: tKey || 't', signatureKey: sKey || 'v1',
		payloadSeparator: payload ?? '.'
	}
}

function parseGroup(text: string, o: TimestampedOptions): Group | null {
	let t: string | undefined
	const signatures: Uint8Array[] = []
	if (o.format === 'positional') {
		const items = text.split(o.pairSeparator).map((s) => s.trim())
		t = items[0]
		for (const v of items.slice(1)) addDecoded(v, o, signatures)
	} else {
		let stamps = 0
		forEachPair(text, o.pairSeparator, (key, value) => {
			if (key === o.timestampKey) {
				stamps++
				t = value
			}
			if (key === o.signatureKey) addDecoded(value, o, signatures)
		})
		// Two timestamps make the signed string ambiguous; a real header never has them.
		if (stamps !== 1) return null
	}
	const stamp = t === undefined ? null : parseInteger(t)
	if (t === undefined || stamp === null) return null
	return signatures.length > 0 ? { t, stamp, signatures } : null
}

function addDecoded(value: string, o: TimestampedOptions, out: Uint8Array[]): void {
	const bytes = decode(value, o.encoding)
	if (bytes !== null) out.push(bytes)
}

/** HMAC-SHA256 keyed with the secret as UTF-8. */
const hasherOf = utf8Keyed('sha256')

// No signature header named: unusable, as unusable options are.
const compiledOf = compiledCache((settings) => (settings.header === null || settings.header.trim() === '' ? null : readOptions(settings.config)))

/** The first group (in header order) one of whose signatures is the MAC of `{t}{separator}{body}` under one of the secrets, or null. */
function matchingGroup(req: VerifyRequest, c: Compiled<TimestampedOptions>, o: TimestampedOptions, header: string): Group | null {
	const texts = o.groupSeparator ? header.split(o.groupSeparator).filter((s) => s.trim() !== '') : [header]
	// Each group is a pass over the body per secret: a sender-made header of thousands of groups is read only this far.
	for (let i = 0; i < Math.min(texts.length, MAX_GROUPS); i++) {
		const g = parseGroup(texts[i] as string, o)
		if (g !== null && anySecretSigned(c, o, hasherOf, [`${g.t}${o.payloadSeparator}`, req.body], g.signatures)) return g
	}
	return null
}

/** The shared check, with options already resolved (Stripe passes its own). */
export function verifyTimestampedWith(req: VerifyRequest, c: Compiled<TimestampedOptions>, header: string | null): boolean {
	const o = c.options
	if (o === null || header === null) return false
	const match = matchingGroup(req, c, o, header)
	return match !== null && isFresh(o.unit === 'ms' ? match.stamp : match.stamp * 1000, req.nowMs, o.tolerance, o.onlyAge)
}

/** Verifies a `timestamped_hmac` source: see the module comment for the config keys. */
export function verifyTimestamped(req: VerifyRequest, settings: VerifySettings): boolean {
	const c = compiledOf(settings)
	// Options are null unless a header is named (compiledOf).
	return c.options !== null && verifyTimestampedWith(req, c, signatureHeader(req, settings, settings.header as string))
}
