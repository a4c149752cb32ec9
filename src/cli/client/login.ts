import { Api, ApiError } from './api'
import { ClientError, configPath, type Credentials, normaliseBaseUrl, readSaved, removeSaved, writeSaved } from './config'
import type { Output } from './output'

const mask = (key: string) => `${key.slice(0, 12)}…`

/** Checks a key against the server before saving it: a typo fails now, not at the first `listen`. */
async function checkKey(baseUrl: string, apiKey: string): Promise<void> {
	await new Api({ apiKey, baseUrl, keySource: 'flag' }).request('GET', '/v1/sources?limit=1')
}

function save(out: Output, baseUrl: string, apiKey: string): void {
	writeSaved({ ...readSaved(), api_key: apiKey, base_url: baseUrl })
	out.info(`Logged in as ${mask(apiKey)} on ${baseUrl}. Config saved to ${configPath()}`)
}

export interface LoginFlags {
	'api-key'?: string | undefined
	'base-url'?: string | undefined
	'no-browser'?: boolean | undefined
}

/** `hookstream login`: a key given on the command line, or the device flow in a browser. */
export async function login(flags: LoginFlags, creds: Credentials, out: Output): Promise<number> {
	const baseUrl = flags['base-url'] ? normaliseBaseUrl(flags['base-url']) : creds.baseUrl
	if (flags['api-key'] !== undefined) {
		await checkKey(baseUrl, flags['api-key'].trim())
		save(out, baseUrl, flags['api-key'].trim())
		return 0
	}
	const key = await deviceFlow(baseUrl, !flags['no-browser'], out)
	save(out, baseUrl, key)
	return 0
}

interface DeviceCode {
	device_code: string
	user_code: string
	verification_url?: string
	verification_uri_complete?: string
	expires_in: number
	interval: number
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
	let res: Response
	try {
		res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) })
	} catch (err) {
		throw new ClientError(`Cannot reach ${new URL(url).origin}: ${err instanceof Error ? err.message : String(err)}`)
	}
	const text = await res.text()
	try {
		return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> }
	} catch {
		return { status: res.status, body: {} }
	}
}

function openBrowser(url: string): void {
	const cmd = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '', url] : ['xdg-open', url]
	try {
		Bun.spawn(cmd, { stdio: ['ignore', 'ignore', 'ignore'] }).unref()
	} catch {
		// No browser here (SSH, container): the URL and code are printed anyway.
	}
}

/**
 * The device flow of the accounts API: ask for a code, show it, poll until a
 * signed-in member approves it (`{api_key}`), it expires, or it is refused.
 */
async function deviceFlow(baseUrl: string, browser: boolean, out: Output): Promise<string> {
	const started = await post(`${baseUrl}/v1/auth/device/code`, { client: 'hookstream-cli' })
	// 404 (no such route) or 401 (not a public route): a server without accounts.
	if (started.status === 404 || started.status === 401) throw new ClientError(`${baseUrl} offers no device login (HTTP ${started.status}): run \`hookstream login --api-key <key>\``)
	if (started.status !== 200 && started.status !== 201) throw new ClientError(`Device login failed: ${String(started.body.error ?? `HTTP ${started.status}`)}`)
	const code = started.body as unknown as DeviceCode
	const url = code.verification_uri_complete ?? code.verification_url ?? `${baseUrl}/dashboard/cli-auth?code=${code.user_code}`
	out.info(`Open ${url} and confirm the code ${code.user_code} (expires in ${Math.round(code.expires_in / 60)} min).`)
	if (browser) openBrowser(url)
	let interval = Math.max(1, code.interval || 5) * 1000
	const deadline = Date.now() + code.expires_in * 1000
	while (Date.now() < deadline) {
		await Bun.sleep(interval)
		const res = await post(`${baseUrl}/v1/auth/device/token`, { device_code: code.device_code })
		if (typeof res.body.api_key === 'string') return res.body.api_key
		const state = String(res.body.error ?? res.body.status ?? '')
		if (state === 'authorization_pending') continue
		if (state === 'slow_down') {
			interval += 5000
			continue
		}
		if (state === 'expired_token') break
		if (state === 'access_denied') throw new ClientError('The login was refused in the browser')
		throw new ClientError(`Device login failed: ${state || `HTTP ${res.status}`}`)
	}
	throw new ClientError('The login code expired: run `hookstream login` again')
}

export function logout(out: Output): number {
	const path = configPath()
	out.info(removeSaved(path) ? `Logged out: removed ${path}` : `Not logged in (no ${path})`)
	return 0
}

/** Who the key is: `GET /v1/me` when the server has accounts, else the stream's welcome (org and environment). */
export async function whoami(creds: Credentials, out: Output): Promise<number> {
	const api = new Api(creds)
	let who: Record<string, unknown>
	try {
		who = await api.request('GET', '/v1/me')
	} catch (err) {
		if (!(err instanceof ApiError) || err.status !== 404) throw err
		who = await welcomeOf(creds)
	}
	out.result({ base_url: creds.baseUrl, api_key: mask(api.key), key_from: creds.keySource, ...who }, () => {
		out.line(`Base URL     ${creds.baseUrl}`)
		out.line(`API key      ${mask(api.key)} (from ${creds.keySource})`)
		if (who.org_id) out.line(`Organization ${String(who.org_id)}`)
		if (who.env_id) out.line(`Environment  ${String(who.env_id)}`)
	})
	return 0
}

function welcomeOf(creds: Credentials): Promise<Record<string, unknown>> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(`${creds.baseUrl.replace(/^http/, 'ws')}/v1/ws`, { headers: { authorization: `Bearer ${creds.apiKey}` } } as never)
		const timer = setTimeout(() => (ws.close(), reject(new ClientError('No answer from the live stream'))), 10_000)
		ws.onmessage = (m) => {
			const msg = JSON.parse(String(m.data)) as Record<string, unknown>
			clearTimeout(timer)
			ws.close()
			resolve({ org_id: msg.org_id, env_id: msg.env_id })
		}
		ws.onerror = () => (clearTimeout(timer), reject(new ClientError('The live stream refused the connection')))
	})
}
