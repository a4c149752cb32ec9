/**
 * Dropbox Sign (HelloSign) checks a callback URL with a signed
 * `callback_test` event, and treats any callback whose response body is not
 * exactly `Hello API Event Received` as failed (and retries it). So the test
 * event is answered as a handshake once its event hash verified, and every
 * accepted event gets the same body back.
 */
import { bodyText, jsonObject, mediaType, multipartField, stringAt } from '../verify/body-fields'
import type { Handshake, HandshakeReply } from './types'

const ACK: HandshakeReply = { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Hello API Event Received' }
const MAX_TEST_BYTES = 16 * 1024

export const dropboxSignCallback: Handshake = {
	signed: true,
	ack: ACK,
	answer(req) {
		if (req.method !== 'POST' || req.body.length > MAX_TEST_BYTES) return null
		const text = bodyText(req.body)
		if (text === null) return null
		const contentType = req.headers.get('content-type')
		const type = mediaType(contentType)
		const json = type === 'multipart/form-data' ? multipartField(text, contentType, 'json')
			: type === 'application/x-www-form-urlencoded' ? new URLSearchParams(text).get('json')
			: text
		const event = jsonObject(json)?.event
		return stringAt(event, 'event_type') === 'callback_test' ? ACK : null
	}
}
