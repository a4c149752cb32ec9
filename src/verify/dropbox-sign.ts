/**
 * Dropbox Sign (HelloSign) callbacks: the body (JSON, a form field `json`,
 * or a multipart part `json`) holds `event.event_hash`, the hex HMAC-SHA256
 * of `{event_time}{event_type}` keyed with the account's API key (or the API
 * app's key). Only those two values are signed, so `event_time` is checked
 * against the tolerance and dedup should use the event hash.
 *
 * Config: `tolerance_seconds` (default 0: Dropbox Sign retries the same
 * signed event for days; set a window to bound replays).
 */
import { bodyText, jsonObject, mediaType, multipartField, stringAt } from './body-fields'
import { anySecretSigned, compiledCache, utf8Keyed } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { decode, isFresh, parseInteger, readHeader, readTolerance } from './util'

const hasherOf = utf8Keyed('sha256')
// The tolerance is read once per source settings (compiled.ts); null: unusable, every request fails.
const compiledOf = compiledCache((settings) => readTolerance(settings.config, 0))

function eventJson(req: VerifyRequest): Record<string, unknown> | null {
	const text = bodyText(req.body)
	if (text === null) return null
	const contentType = readHeader(req, 'content-type')
	const type = mediaType(contentType)
	if (type === 'multipart/form-data') return jsonObject(multipartField(text, contentType, 'json'))
	if (type === 'application/x-www-form-urlencoded') {
		const values = new URLSearchParams(text).getAll('json')
		return values.length === 1 ? jsonObject(values[0] ?? null) : null
	}
	return jsonObject(text)
}

/** Verifies a Dropbox Sign callback's event hash. */
export function verifyDropboxSign(req: VerifyRequest, settings: VerifySettings): boolean {
	const c = compiledOf(settings)
	const tolerance = c.options
	const event = tolerance === null ? undefined : eventJson(req)?.event
	const time = stringAt(event, 'event_time')
	const type = stringAt(event, 'event_type')
	const hash = stringAt(event, 'event_hash')
	const seconds = parseInteger(time)
	const signature = hash === null ? null : decode(hash, 'hex')
	if (tolerance === null || time === null || type === null || seconds === null || signature === null) return false
	return anySecretSigned(c, tolerance, hasherOf, [time, type], [signature]) && isFresh(seconds * 1000, req.nowMs, tolerance)
}
