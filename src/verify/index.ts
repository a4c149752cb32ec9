/**
 * Signature verification: one pure verifier per scheme, chosen by
 * `settings.type` through a registry that must name every VerificationType.
 */
import { verifyAwsSns } from './aws-sns'
import { verifyBasicAuth } from './basic-auth'
import { verifyCloudinary } from './cloudinary'
import { verifyDropboxSign } from './dropbox-sign'
import { verifyEd25519 } from './ed25519'
import { verifyGraphClientState } from './graph-client-state'
import { verifyHeaderToken } from './header-token'
import { verifyHmac } from './hmac'
import { verifyJwt } from './jwt'
import { verifyLinear } from './linear'
import { verifyMailgun } from './mailgun'
import { verifyPaddle } from './paddle'
import { verifySendgrid } from './sendgrid'
import { verifySlack } from './slack'
import { verifyStandardWebhooks } from './standard-webhooks'
import { verifyStripe } from './stripe'
import { verifyTimestamped } from './timestamped'
import { verifyTwilio } from './twilio'
import type { VerificationType, Verifier, VerifyRequest, VerifySettings } from './types'

export { VERIFICATION_TYPES, normalizeVerificationType } from './types'
export type { VerificationType, Verifier, VerifyRequest, VerifySettings } from './types'
export { DEFAULT_HMAC_HEADER } from './hmac'

/** Typed as a full Record so adding a VerificationType without a verifier fails to compile. */
export const VERIFIERS: Readonly<Record<VerificationType, Verifier>> = Object.freeze({
	hmac_sha256: verifyHmac,
	hmac_sha1: verifyHmac,
	standard_webhooks: verifyStandardWebhooks,
	stripe: verifyStripe,
	slack: verifySlack,
	twilio: verifyTwilio,
	paddle: verifyPaddle,
	linear: verifyLinear,
	sendgrid_ecdsa: verifySendgrid,
	basic_auth: verifyBasicAuth,
	timestamped_hmac: verifyTimestamped,
	header_token: verifyHeaderToken,
	ed25519: verifyEd25519,
	jwt: verifyJwt,
	mailgun: verifyMailgun,
	cloudinary: verifyCloudinary,
	dropbox_sign: verifyDropboxSign,
	graph_client_state: verifyGraphClientState,
	aws_sns: verifyAwsSns
})

/** Whether `type` names a registered verifier (canonical spelling only). */
export function hasVerifier(type: string): type is VerificationType {
	return Object.hasOwn(VERIFIERS, type)
}

/**
 * True only when the request carries a valid signature for one of
 * `settings.secrets`. Fail closed: an unknown verifier type must not silently
 * accept, and a verifier that throws on input nobody anticipated rejects.
 */
export function verifyRequest(req: VerifyRequest, settings: VerifySettings): boolean {
	if (!hasVerifier(settings.type)) return false
	if (!Array.isArray(settings.secrets) || typeof settings.config !== 'object' || settings.config === null) return false
	try {
		return VERIFIERS[settings.type](req, settings) === true
	} catch {
		return false
	}
}
