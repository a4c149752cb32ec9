import { ClientError, type Credentials } from './config'

/** The server's error envelope, or a transport failure, as one clear line. */
export class ApiError extends ClientError {
	constructor(readonly status: number, message: string) {
		super(message)
	}
}

/** A small JSON client for the hookstream API with the resolved credentials. */
export class Api {
	constructor(readonly creds: Credentials) {}

	get key(): string {
		if (!this.creds.apiKey) throw new ClientError('Not logged in: run `hookstream login` or set HOOKSTREAM_API_KEY')
		return this.creds.apiKey
	}

	async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
		const key = this.key // "not logged in" is not a network error
		let res: Response
		try {
			res = await fetch(`${this.creds.baseUrl}${path}`, {
				method,
				headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
				body: body === undefined ? undefined : JSON.stringify(body),
				redirect: 'manual',
				signal: AbortSignal.timeout(30_000)
			})
		} catch (err) {
			throw new ApiError(0, `Cannot reach ${this.creds.baseUrl}: ${err instanceof Error ? err.message : String(err)}`)
		}
		const text = await res.text()
		let parsed: unknown = null
		try {
			parsed = text ? JSON.parse(text) : null
		} catch {}
		if (!res.ok) {
			const message = (parsed as { error?: string } | null)?.error ?? `HTTP ${res.status}`
			if (res.status === 401) throw new ApiError(401, `${message} (401): check the key or run \`hookstream login\``)
			throw new ApiError(res.status, `${message} (${res.status})`)
		}
		return parsed as T
	}
}
