/**
 * Challenges answered by echoing a value the provider sent. Echoing reveals
 * nothing, so the unsigned ones are answered before verification; Slack,
 * Discord and Twitch sign their challenges and are answered only after.
 * Each answer is the exact response the provider's documentation shows.
 */
import { BadRequest } from '../lib/errors'
import type { Handshake } from './types'
import { jsonReply, queryParam, smallJson, textReply } from './util'

const MAX_ECHO = 1024

/** A challenge value fit to echo: a non-empty string of bounded length. */
function echoable(value: unknown, what: string): string | null {
	if (value === undefined) return null
	if (typeof value !== 'string' || value === '' || value.length > MAX_ECHO) throw new BadRequest(`Malformed ${what}`)
	return value
}

/** Slack Events API: `{"type":"url_verification","challenge":…}` → `{"challenge":…}` as JSON. */
export const slackUrlVerification: Handshake = {
	signed: true,
	answer(req) {
		const body = req.method === 'POST' ? smallJson(req.body) : null
		if (body?.type !== 'url_verification') return null
		const challenge = echoable(body.challenge ?? '', 'url_verification challenge')
		return challenge === null ? null : jsonReply({ challenge })
	}
}

/** Discord interactions: a PING (`"type": 1`) is answered with a PONG, `{"type":1}`. */
export const discordPing: Handshake = {
	signed: true,
	answer(req) {
		const body = req.method === 'POST' ? smallJson(req.body) : null
		return body?.type === 1 ? jsonReply({ type: 1 }) : null
	}
}

/** Twitch EventSub: `webhook_callback_verification` → the raw `challenge` string as text/plain. */
export const twitchEventsubVerification: Handshake = {
	signed: true,
	answer(req) {
		if (req.headers.get('twitch-eventsub-message-type') !== 'webhook_callback_verification') return null
		const challenge = echoable(smallJson(req.body)?.challenge ?? '', 'EventSub challenge')
		return challenge === null ? null : textReply(challenge)
	}
}

/** Dropbox: `GET ?challenge=…` → the challenge as text/plain with `X-Content-Type-Options: nosniff`. */
export const dropboxChallenge: Handshake = {
	signed: false,
	answer(req) {
		if (req.method !== 'GET') return null
		const challenge = echoable(queryParam(req.url, 'challenge') ?? undefined, 'challenge')
		return challenge === null ? null : textReply(challenge)
	}
}

/**
 * Asana: the first request carries `X-Hook-Secret`; echoing it in the same
 * header completes the handshake. The value is the secret Asana signs later
 * events with: it is kept in the stored handshake event for the owner to set
 * as the source's verification secret.
 */
export const asanaHookSecret: Handshake = {
	signed: false,
	answer(req) {
		const secret = echoable(req.headers.get('x-hook-secret') ?? undefined, 'X-Hook-Secret')
		return secret === null ? null : { status: 200, headers: { 'x-hook-secret': secret }, body: '' }
	}
}

/** monday.com: `{"challenge":…}` (and nothing else) → the same JSON back. */
export const mondayChallenge: Handshake = {
	signed: false,
	answer(req) {
		const body = req.method === 'POST' ? smallJson(req.body) : null
		if (body === null || Object.keys(body).length !== 1) return null
		const challenge = echoable(body.challenge, 'challenge')
		return challenge === null ? null : jsonReply({ challenge })
	}
}

/** Okta event hooks: `GET` with `X-Okta-Verification-Challenge` → `{"verification":…}`. */
export const oktaVerification: Handshake = {
	signed: false,
	answer(req) {
		if (req.method !== 'GET') return null
		const challenge = echoable(req.headers.get('x-okta-verification-challenge') ?? undefined, 'X-Okta-Verification-Challenge')
		return challenge === null ? null : jsonReply({ verification: challenge })
	}
}

/** Microsoft Graph: `?validationToken=…` → the decoded token as text/plain, within 10 s. */
export const graphValidationToken: Handshake = {
	signed: false,
	answer(req) {
		const token = echoable(queryParam(req.url, 'validationToken') ?? undefined, 'validationToken')
		return token === null ? null : textReply(token)
	}
}

/**
 * Trello and Mandrill probe a new webhook URL with a `HEAD` request and want
 * a 200 before they save it. Only sources declaring this answer HEAD at all.
 */
export const headProbe: Handshake = {
	signed: false,
	answer(req) {
		return req.method === 'HEAD' ? { status: 200, headers: {}, body: '' } : null
	}
}
