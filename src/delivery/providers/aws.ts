import { AwsClient } from 'aws4fetch'
import { createHash } from 'node:crypto'
import type { DeliveryTarget } from '../../destinations/model'
import { maskSecret } from '../../lib/crypto'
import { sendHttp } from '../outbound'
import type { OutboundGuard } from '../ssrf'
import type { ProviderOutcome } from './types'

/** The credential fields every AWS type shares (provider-config.ts). */
export interface AwsSettings {
	region: string
	access_key_id: string
	secret_access_key: string
	session_token?: string
	endpoint?: string
}

export const sha256Hex = (body: Uint8Array) => createHash('sha256').update(body).digest('hex')

/**
 * AWS's error text: `__type`/`message` of the JSON protocols, or `<Code>`/`<Message>` of
 * the XML ones (S3, and signature errors of every service).
 */
export function awsError(body: string | null): string {
	if (!body) return ''
	try {
		const j = JSON.parse(body) as { __type?: string; message?: string; Message?: string }
		const code = j.__type?.split('#').pop()
		return [code, j.message ?? j.Message].filter(Boolean).join(': ')
	} catch {}
	const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1]
	const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1]
	return [code, message].filter(Boolean).join(': ') || body.slice(0, 200)
}

/** Signature headers as recorded: the key id and scope stay readable, the signature itself does not. */
function recorded(headers: Record<string, string>): Record<string, string> {
	const out = { ...headers }
	if (out.authorization) out.authorization = out.authorization.replace(/Signature=([0-9a-f]+)/, (_, s: string) => `Signature=${maskSecret(s)}`)
	if (out['x-amz-security-token']) out['x-amz-security-token'] = maskSecret(out['x-amz-security-token']) ?? ''
	return out
}

/**
 * One SigV4-signed request (aws4fetch, its own retries off: the worker owns the retry
 * policy) sent through the SSRF-pinned HTTP client. A non-2xx carries AWS's error code and message.
 */
export async function sendSigned(
	cfg: AwsSettings, service: string, req: { url: string; method: string; headers: Record<string, string>; body: Uint8Array }, target: DeliveryTarget, guard: OutboundGuard
): Promise<ProviderOutcome> {
	const client = new AwsClient({ accessKeyId: cfg.access_key_id, secretAccessKey: cfg.secret_access_key, sessionToken: cfg.session_token, service, region: cfg.region, retries: 0 })
	const signed = await client.sign(req.url, { method: req.method, headers: req.headers, body: req.body })
	const headers = Object.fromEntries(signed.headers)
	const result = await sendHttp({ url: signed.url, method: req.method, headers, body: req.body, timeoutMs: target.row.timeout_ms }, guard)
	if (!result.ok && result.status !== null) result.error = `HTTP ${result.status} ${awsError(result.body)}`.trim()
	return { request: { url: signed.url, method: req.method, recordedHeaders: recorded(headers), bodySize: req.body.byteLength }, result }
}

/** AWS message attribute and metadata names allow letters, digits, `-`, `_` and `.` only. */
export const attributeName = (name: string) => name.replace(/[^A-Za-z0-9_.-]/g, '_')
