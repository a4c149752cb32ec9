import { createHash } from 'node:crypto'
import type { SqsConfig } from '../../destinations/provider-config'
import { attributeName, sendSigned } from './aws'
import { type Provider, text } from './types'

/** SQS allows at most 10 message attributes: the contract's headers come first. */
const MAX_ATTRIBUTES = 10

/**
 * `SendMessage` over SQS's JSON protocol. The body is the event payload; metadata become
 * String message attributes; FIFO queues get the configured group (else the event's
 * source) and the event id as deduplication id. The returned MD5 is checked, as AWS's SDKs do.
 */
export const sqsProvider: Provider = {
	async send(message, target, guard) {
		const cfg = target.provider as unknown as SqsConfig
		const messageBody = text(message.body)
		const attributes = Object.fromEntries(Object.entries(message.metadata).slice(0, MAX_ATTRIBUTES).map(([k, v]) => [attributeName(k), { DataType: 'String', StringValue: v }]))
		const request: Record<string, unknown> = { QueueUrl: cfg.queue_url, MessageBody: messageBody, MessageAttributes: attributes }
		if (cfg.queue_url.endsWith('.fifo')) {
			request.MessageGroupId = cfg.message_group_id ?? (await message.event())?.source_id ?? 'hookstream'
			request.MessageDeduplicationId = message.eventId
		}
		const url = cfg.endpoint ?? `https://sqs.${cfg.region}.amazonaws.com/`
		const body = new TextEncoder().encode(JSON.stringify(request))
		const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' }
		const out = await sendSigned(cfg, 'sqs', { url, method: 'POST', headers, body }, target, guard)
		if (out.result.ok) {
			const answer = JSON.parse(out.result.body ?? '{}') as { MessageId?: string; MD5OfMessageBody?: string }
			const md5 = createHash('md5').update(messageBody).digest('hex')
			if (answer.MD5OfMessageBody !== md5) Object.assign(out.result, { ok: false, errorType: 'provider_error', error: `SQS answered MD5OfMessageBody ${answer.MD5OfMessageBody} for a body whose MD5 is ${md5}` })
		}
		return out
	}
}
