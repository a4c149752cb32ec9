import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

export const DEFAULT_BASE_URL = 'http://localhost:8080'

/** What `hookstream login` saves. */
export interface SavedCredentials {
	api_key?: string
	base_url?: string
}

export interface Credentials {
	apiKey: string | null
	baseUrl: string
	/** Where the key came from, for `whoami` and error messages. */
	keySource: 'flag' | 'environment' | 'config file' | null
}

export class ClientError extends Error {
	constructor(message: string, readonly exitCode = 1) {
		super(message)
	}
}

/** `~/.config/hookstream/config.json` (HOME first, so tests and containers can point it elsewhere). */
export function configPath(env: Record<string, string | undefined> = process.env): string {
	return join(env.HOME || homedir(), '.config', 'hookstream', 'config.json')
}

export function readSaved(path = configPath()): SavedCredentials {
	if (!existsSync(path)) return {}
	try {
		const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown
		return parsed !== null && typeof parsed === 'object' ? (parsed as SavedCredentials) : {}
	} catch {
		throw new ClientError(`${path} is not valid JSON: fix it or run \`hookstream logout\``)
	}
}

/** Written with mode 0600 in a 0700 directory: the file holds a secret. */
export function writeSaved(creds: SavedCredentials, path = configPath()): void {
	mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
	writeFileSync(path, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 })
	chmodSync(path, 0o600) // an existing file keeps its old mode on overwrite
}

export function removeSaved(path = configPath()): boolean {
	if (!existsSync(path)) return false
	rmSync(path)
	return true
}

export function normaliseBaseUrl(url: string): string {
	let parsed: URL
	try {
		parsed = new URL(url)
	} catch {
		throw new ClientError(`--base-url: '${url}' is not a URL (e.g. https://hooks.example.com)`, 2)
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ClientError('--base-url must be http(s)', 2)
	return parsed.origin + parsed.pathname.replace(/\/+$/, '')
}

/** Precedence: flag > HOOKSTREAM_API_KEY / HOOKSTREAM_URL > config file > default URL. */
export function resolveCredentials(flags: { 'api-key'?: string | undefined; 'base-url'?: string | undefined }, env: Record<string, string | undefined> = process.env): Credentials {
	const saved = readSaved(configPath(env))
	const fromEnv = env.HOOKSTREAM_API_KEY || undefined
	const apiKey = flags['api-key'] ?? fromEnv ?? saved.api_key ?? null
	const keySource = flags['api-key'] !== undefined ? 'flag' : fromEnv !== undefined ? 'environment' : saved.api_key ? 'config file' : null
	const baseUrl = normaliseBaseUrl(flags['base-url'] ?? (env.HOOKSTREAM_URL || undefined) ?? saved.base_url ?? DEFAULT_BASE_URL)
	return { apiKey, baseUrl, keySource }
}
