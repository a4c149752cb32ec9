import { AwsClient } from 'aws4fetch'
import { freePort, Service, waitFor, which } from './services'

export const MOTO = which('moto_server', '/root/.pyenv/shims/moto_server')

export interface Moto {
	url: string
	service: Service
	/** An IAM user's key, allowed everything: every request after the bootstrap is signature-checked. */
	key: { accessKeyId: string; secretAccessKey: string }
	/** A signed JSON-protocol call (SQS, EventBridge) with the good key; throws on a non-2xx. */
	json<T = Record<string, unknown>>(service: 'sqs' | 'events', target: string, body: unknown): Promise<T>
	/** A signed S3 request with the good key. */
	s3(method: string, path: string, body?: string): Promise<Response>
	stop(): Promise<void>
}

/**
 * moto_server in IAM-auth mode: the first 3 actions are free (they create the key), then
 * it recomputes every request's SigV4 signature with botocore and refuses a wrong one.
 */
export async function startMoto(): Promise<Moto> {
	const port = await freePort()
	const url = `http://127.0.0.1:${port}`
	const service = Service.spawn([MOTO as string, '-H', '127.0.0.1', '-p', String(port)], { INITIAL_NO_AUTH_ACTION_COUNT: '3' })
	await waitFor('moto_server', async () => ((await fetch(`${url}/moto-api/`).catch(() => null))?.status ? true : undefined), 30_000)
	const bootstrap = new AwsClient({ accessKeyId: 'bootstrap', secretAccessKey: 'bootstrap', service: 'iam', region: 'us-east-1', retries: 0 })
	const iam = async (params: Record<string, string>) => {
		const res = await bootstrap.fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...params, Version: '2010-05-08' }).toString() })
		const text = await res.text()
		if (!res.ok) throw new Error(`IAM ${params.Action}: ${res.status} ${text}`)
		return text
	}
	await iam({ Action: 'CreateUser', UserName: 'gw' })
	const created = await iam({ Action: 'CreateAccessKey', UserName: 'gw' })
	const key = { accessKeyId: /<AccessKeyId>([^<]+)</.exec(created)?.[1] as string, secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(created)?.[1] as string }
	await iam({ Action: 'PutUserPolicy', UserName: 'gw', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) })
	const client = (svc: string) => new AwsClient({ ...key, service: svc, region: 'us-east-1', retries: 0 })
	return {
		url, service, key,
		async json(svc, target, body) {
			const prefix = svc === 'sqs' ? 'AmazonSQS' : 'AWSEvents'
			const res = await client(svc).fetch(`${url}/`, { method: 'POST', headers: { 'content-type': `application/x-amz-json-${svc === 'sqs' ? '1.0' : '1.1'}`, 'x-amz-target': `${prefix}.${target}` }, body: JSON.stringify(body) })
			const text = await res.text()
			if (!res.ok) throw new Error(`${target}: ${res.status} ${text}`)
			return (text ? JSON.parse(text) : {}) as never
		},
		s3: (method, path, body) => client('s3').fetch(`${url}${path}`, { method, body }),
		stop: () => service.stop()
	}
}
