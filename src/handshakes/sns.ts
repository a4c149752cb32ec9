/**
 * Amazon SNS subscription handshake. A `SubscriptionConfirmation` is answered
 * only after its AWS signature verified (the `aws_sns` scheme), by a GET of
 * its `SubscribeURL`, which must be https on a host matching the source's
 * `cert_host_pattern`; the GET itself goes through the SSRF guard (the
 * pipeline does it: answerers do no I/O). `UnsubscribeConfirmation` is stored
 * and acknowledged without following anything.
 */
import { BadRequest } from '../lib/errors'
import { snsHostPattern, trustedSnsUrl } from '../verify/aws-sns'
import type { Handshake } from './types'
import { smallJson } from './util'

export const awsSnsSubscription: Handshake = {
	signed: true,
	answer(req, ctx) {
		const type = req.headers.get('x-amz-sns-message-type')
		if (type !== 'SubscriptionConfirmation' && type !== 'UnsubscribeConfirmation') return null
		const body = smallJson(req.body)
		// The header is unsigned; the Type inside the verified body decides.
		if (body?.Type !== type) throw new BadRequest('x-amz-sns-message-type does not match the message Type')
		if (type === 'UnsubscribeConfirmation') return { status: 200, headers: {}, body: '' }
		const url = trustedSnsUrl(body.SubscribeURL, snsHostPattern(ctx.config), false)
		if (url === null) throw new BadRequest('SubscribeURL is not an https URL on a trusted SNS host')
		return { status: 200, headers: {}, body: '', follow: url.href }
	}
}
