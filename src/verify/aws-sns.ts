/**
 * Amazon SNS HTTP(S) subscriptions (`aws_sns`): the JSON body is signed by
 * AWS with the key of the X.509 certificate at `SigningCertURL`, RSA over
 * SHA-1 (`SignatureVersion` 1) or SHA-256 (2), of the fields AWS lists per
 * message type, each as `name\nvalue\n`, in byte order of the names.
 *
 * Anyone can create a topic and have AWS sign for it, so the secrets are the
 * topic ARNs this source accepts. The certificate is fetched outside (the
 * verifier stays pure) and handed in through `settings.material`, keyed by
 * its URL; its URL must be https, end in `.pem` and have a host matching
 * `cert_host_pattern`.
 *
 * Config: `cert_host_pattern` (default `^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`),
 * `tolerance_seconds` on the signed `Timestamp` (default 3600; `0` disables).
 */
import { verify as verifySignature } from 'node:crypto'
import { bodyText, jsonObject, stringAt } from './body-fields'
import type { VerifyRequest, VerifySettings } from './types'
import { activeSecrets, configString, decode, isFresh, parseRfc3339, readTolerance } from './util'

export const DEFAULT_SNS_HOST_PATTERN = '^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$'
const DEFAULT_TOLERANCE_SECONDS = 3600

const FIELDS: Record<string, readonly string[]> = {
	Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
	SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
	UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type']
}

const patterns = new Map<string, RegExp | null>()

/** Longest DNS name: with the limits below, the worst backtracking over it stays in milliseconds. */
const MAX_HOST_LENGTH = 253
const MAX_PATTERN_LENGTH = 200
const MAX_REPEATS = 2
const MAX_ALTERNATIONS = 3
const QUANTIFIER_BRACE = /^\{\d+(,\d*)?\}/
const LOOKAROUND = /^\(\?<?[=!]/

/**
 * Why a `cert_host_pattern` is refused, or null. It is a user's regex run on a
 * hostname the sender chooses, by a backtracking engine, so only the shapes
 * whose worst case is small pass: no repeated group (a group may only be
 * optional), no backreference or lookaround, at most two repeated atoms and
 * three `|`. Host patterns need nothing more (the default has one `+`).
 */
export function hostPatternProblem(text: string): string | null {
	if (text.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`
	try {
		new RegExp(text)
	} catch {
		return 'is not a valid regular expression'
	}
	let repeats = 0
	let alternations = 0
	let afterGroup = false
	for (let i = 0; i < text.length; i++) {
		const c = text[i]
		const closes = c === ')'
		if (c === '\\') {
			if (/[1-9k]/.test(text[i + 1] ?? '')) return 'must not use backreferences'
			i++
		} else if (c === '[') {
			for (i++; i < text.length && text[i] !== ']'; i++) if (text[i] === '\\') i++
		} else if (c === '(' && LOOKAROUND.test(text.slice(i, i + 4))) {
			return 'must not use lookahead or lookbehind'
		} else if (c === '|') {
			alternations++
		} else if (c === '*' || c === '+' || (c === '{' && QUANTIFIER_BRACE.test(text.slice(i)))) {
			if (afterGroup) return 'must not repeat a group (only ? may follow one)'
			repeats++
		}
		afterGroup = closes
	}
	if (repeats > MAX_REPEATS) return `must repeat (*, +, {n,m}) at most ${MAX_REPEATS} times`
	if (alternations > MAX_ALTERNATIONS) return `must have at most ${MAX_ALTERNATIONS} alternatives (|)`
	return null
}

/** The configured host pattern compiled (cached), or null when it is not a valid or safe expression. */
export function snsHostPattern(config: Record<string, unknown>): RegExp | null {
	const source = configString(config, 'cert_host_pattern')
	if (source === false) return null
	const text = source || DEFAULT_SNS_HOST_PATTERN
	if (!patterns.has(text)) {
		let re: RegExp | null = null
		try {
			// Stored before the check existed, or written to the database directly: refused here too.
			re = hostPatternProblem(text) === null ? new RegExp(text) : null
		} catch {
			re = null
		}
		if (patterns.size >= 64) patterns.clear()
		patterns.set(text, re)
	}
	return patterns.get(text) ?? null
}

/** An https URL whose host matches the pattern (certificates: a `.pem` path too), else null. */
export function trustedSnsUrl(value: unknown, pattern: RegExp | null, pem: boolean): URL | null {
	if (typeof value !== 'string' || pattern === null) return null
	try {
		const url = new URL(value)
		if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.hostname.length > MAX_HOST_LENGTH) return null
		if (!pattern.test(url.hostname.toLowerCase()) || (pem && !url.pathname.endsWith('.pem'))) return null
		return url
	} catch {
		return null
	}
}

/** The parsed message and the certificate URL it names, when trusted. Used before fetching too. */
export function snsMessage(body: Uint8Array, config: Record<string, unknown>): { message: Record<string, unknown>; certUrl: URL } | null {
	const message = jsonObject(bodyText(body))
	if (message === null) return null
	const certUrl = trustedSnsUrl(message.SigningCertURL, snsHostPattern(config), true)
	return certUrl === null ? null : { message, certUrl }
}

function stringToSign(message: Record<string, unknown>): string | null {
	const fields = FIELDS[stringAt(message, 'Type') ?? '']
	if (!fields) return null
	let out = ''
	for (const name of fields) {
		const value = message[name]
		if (value === undefined && name === 'Subject') continue
		if (typeof value !== 'string') return null
		out += `${name}\n${value}\n`
	}
	return out
}

/** Verifies an SNS message against its fetched certificate and the accepted topic ARNs. */
export function verifyAwsSns(req: VerifyRequest, settings: VerifySettings): boolean {
	const tolerance = readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS)
	const parsed = snsMessage(req.body, settings.config)
	if (tolerance === null || parsed === null) return false
	const { message, certUrl } = parsed
	const topic = stringAt(message, 'TopicArn')
	if (topic === null || !activeSecrets(settings).includes(topic)) return false
	const version = stringAt(message, 'SignatureVersion')
	const algorithm = version === '1' ? 'RSA-SHA1' : version === '2' ? 'RSA-SHA256' : null
	const signature = decode(stringAt(message, 'Signature') ?? '', 'base64')
	const signed = stringToSign(message)
	const cert = settings.material?.get(certUrl.href)
	const timestamp = parseRfc3339(stringAt(message, 'Timestamp'))
	if (algorithm === null || signature === null || signed === null || cert === undefined || timestamp === null) return false
	let ok = false
	try {
		ok = verifySignature(algorithm, Buffer.from(signed, 'utf8'), cert, signature)
	} catch {
		ok = false
	}
	return ok && isFresh(timestamp, req.nowMs, tolerance)
}
