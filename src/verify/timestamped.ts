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
import type { VerifyRequest, VerifySettings } from './types'
import {
	activeSecrets, configString, decode, hmac, isFresh, isSignatureEncoding, parseInteger, parsePairs, readTolerance, safeEqualBytes,
	signatureHeader, type SignatureEncoding
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
	t: string
	signatures: Buffer[]
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
	let raw: string[]
	if (o.format === 'positional') {
		const items = text.split(o.pairSeparator).map((s) => s.trim())
		t = items[0]
		raw = items.slice(1)
	} else {
		const pairs = parsePairs(text, o.pairSeparator)
		const stamps = pairs.filter(([k]) => k === o.timestampKey)
		// Two timestamps make the signed string ambiguous; a real header never has them.
		if (stamps.length !== 1) return null
		t = stamps[0]?.[1]
		raw = pairs.filter(([k]) => k === o.signatureKey).map(([, v]) => v)
	}
	if (t === undefined || parseInteger(t) === null) return null
	const signatures = raw.map((v) => decode(v, o.encoding)).filter((s): s is Buffer => s !== null)
	return signatures.length > 0 ? { t, signatures } : null
}

/** The shared check, with options already resolved (Stripe passes its own). */
export function verifyTimestampedWith(req: VerifyRequest, settings: VerifySettings, o: TimestampedOptions, header: string | null): boolean {
	if (header === null) return false
	const texts = o.groupSeparator ? header.split(o.groupSeparator).filter((s) => s.trim() !== '') : [header]
	// Each group is a pass over the body per secret: a sender-made header of thousands of groups is read only this far.
	const groups = texts.slice(0, MAX_GROUPS).map((text) => parseGroup(text, o)).filter((g): g is Group => g !== null)
	const secrets = activeSecrets(settings)
	const match = groups.find((g) =>
		secrets.some((secret) => {
			const expected = hmac('sha256', secret, `${g.t}${o.payloadSeparator}`, req.body)
			return g.signatures.some((sig) => safeEqualBytes(expected, sig))
		})
	)
	if (!match) return false
	const stamp = parseInteger(match.t) as number
	return isFresh(o.unit === 'ms' ? stamp : stamp * 1000, req.nowMs, o.tolerance, o.onlyAge)
}

/** Verifies a `timestamped_hmac` source: see the module comment for the config keys. */
export function verifyTimestamped(req: VerifyRequest, settings: VerifySettings): boolean {
	const o = readOptions(settings.config)
	if (o === null || settings.header === null || settings.header.trim() === '') return false
	return verifyTimestampedWith(req, settings, o, signatureHeader(req, settings, settings.header))
}
