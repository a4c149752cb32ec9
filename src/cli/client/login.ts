import { Api } from './api'
import { ClientError, configPath, type Credentials, normaliseBaseUrl, readSaved, removeSaved, writeSaved } from './config'
import type { Output } from './output'

const mask = (key: string) => `${key.slice(0, 12)}…`

/** Checks a key against the server before saving it: a typo fails now, not at the first `listen`. */
async function checkKey(baseUrl: string, apiKey: string): Promise<void> {
	await new Api({ apiKey, baseUrl, keySource: 'flag' }).request('GET', '/v1/me')
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
	verification_url: string
	expires_in: number
	interval: number
}

async function post(url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
	let res: Response
	try {
		const init = body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
		res = await fetch(url, { method: 'POST', ...init, signal: AbortSignal.timeout(30_000) })
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
 * The device flow of the accounts API (README "CLI login"): ask for a code, show
 * it, poll until a signed-in member approves it (`{api_key}`) or it expires.
 * Poll refusals are 400s naming the RFC 8628 state in `error_code`.
 */
async function deviceFlow(baseUrl: string, browser: boolean, out: Output): Promise<string> {
	const started = await post(`${baseUrl}/v1/auth/device/code`)
	// 404 (no such route) or 401 (not a public route): not a hookstream server with accounts.
	if (started.status === 404 || started.status === 401) throw new ClientError(`${baseUrl} offers no device login (HTTP ${started.status}): run \`hookstream login --api-key <key>\``)
	if (started.status !== 200 || typeof started.body.user_code !== 'string') throw new ClientError(`Device login failed: ${String(started.body.error ?? `HTTP ${started.status}`)}`)
	const code = started.body as unknown as DeviceCode
	out.info(`Your login code: ${code.user_code} (expires in ${Math.round(code.expires_in / 60)} min)`)
	out.info(`Approve it as a signed-in member: open ${code.verification_url}, or POST /v1/auth/device/approve {"user_code":"${code.user_code}"} with your session.`)
	if (browser) openBrowser(code.verification_url)
	let interval = Math.max(1, code.interval || 5) * 1000
	const deadline = Date.now() + code.expires_in * 1000
	while (Date.now() < deadline) {
		await Bun.sleep(interval)
		const res = await post(`${baseUrl}/v1/auth/device/token`, { device_code: code.device_code })
		if (res.status === 200 && typeof res.body.api_key === 'string') return res.body.api_key
		const state = String(res.body.error_code ?? '')
		if (state === 'authorization_pending') continue
		if (state === 'slow_down') {
			interval += 5000
			continue
		}
		if (state === 'expired_token') break
		throw new ClientError(`Device login failed: ${String(res.body.error ?? `HTTP ${res.status}`)}`)
	}
	throw new ClientError('The login code expired: run `hookstream login` again')
}

export function logout(out: Output): number {
	const path = configPath()
	out.info(removeSaved(path) ? `Logged out: removed ${path}` : `Not logged in (no ${path})`)
	return 0
}

/** Who the key is, from `GET /v1/me`: organization, environment and the role the key acts with. */
export async function whoami(creds: Credentials, out: Output): Promise<number> {
	const api = new Api(creds)
	const me = await api.request<Me>('GET', '/v1/me')
	out.result({ base_url: creds.baseUrl, key: mask(api.key), key_from: creds.keySource, ...me }, () => {
		out.line(`Base URL      ${creds.baseUrl}`)
		out.line(`API key       ${mask(api.key)} (${me.api_key?.id ?? 'unknown id'}, from ${creds.keySource})`)
		out.line(`Organization  ${me.organization.name} (${me.organization.id})`)
		out.line(`Environment   ${me.environment.name} (${me.environment.slug}, ${me.environment.id})`)
		out.line(`Role          ${me.role}`)
	})
	return 0
}

interface Me {
	organization: { id: string; name: string }
	environment: { id: string; name: string; slug: string }
	role: string
	api_key: { id: string } | null
}
