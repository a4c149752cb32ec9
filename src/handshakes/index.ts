/**
 * Handshakes: one pure answerer per provider challenge, chosen by kind
 * through a registry that must name every HandshakeKind (like the verifiers).
 */
import { asanaHookSecret, discordPing, dropboxChallenge, graphValidationToken, headProbe, mondayChallenge, oktaVerification, slackUrlVerification, twitchEventsubVerification } from './echo'
import { dropboxSignCallback } from './dropbox-sign'
import { metaHubChallenge, twitterCrc, zoomUrlValidation } from './keyed'
import { awsSnsSubscription } from './sns'
import type { Handshake, HandshakeKind } from './types'

export { HANDSHAKE_KINDS, isHandshakeKind } from './types'
export type { Handshake, HandshakeContext, HandshakeKind, HandshakeReply, HandshakeRequest } from './types'

/** Typed as a full Record so a HandshakeKind without an answerer fails to compile. */
export const HANDSHAKES: Readonly<Record<HandshakeKind, Handshake>> = Object.freeze({
	slack_url_verification: slackUrlVerification,
	zoom_url_validation: zoomUrlValidation,
	discord_ping: discordPing,
	twitch_eventsub_verification: twitchEventsubVerification,
	dropbox_challenge: dropboxChallenge,
	asana_hook_secret: asanaHookSecret,
	monday_challenge: mondayChallenge,
	okta_verification: oktaVerification,
	meta_hub_challenge: metaHubChallenge,
	twitter_crc: twitterCrc,
	graph_validation_token: graphValidationToken,
	head_probe: headProbe,
	aws_sns_subscription: awsSnsSubscription,
	dropbox_sign_callback: dropboxSignCallback
})
