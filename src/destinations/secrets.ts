import { PROVIDER_SECRET_KEYS } from './provider-config'
import { maskSecret, type SecretBox } from '../lib/crypto'

/** Keys of an `auth_config` that name things rather than hold credentials, so they are shown. */
const AUTH_PUBLIC_KEYS = new Set(['username', 'header'])
/** Every field of a `signing_config` but the secret helps a receiver verify, so only the secret is hidden. */
const SIGNING_SECRET_KEYS = new Set(['secret'])

/** Credentials at rest: the whole settings object is sealed as one JSON text. */
export function sealJson(box: SecretBox, value: object | null): string | null {
	return value === null ? null : box.seal(JSON.stringify(value))
}

/** Inverse of sealJson. */
export function openJson<T>(box: SecretBox, sealed: string | null): T | null {
	return sealed === null ? null : (JSON.parse(box.open(sealed)) as T)
}

/**
 * Masks every string value, nested objects included. `keep` applies to top-level
 * keys only, so a custom header that happens to be called `header` is still masked.
 */
function maskValues(value: unknown, keep: (key: string) => boolean = () => false): unknown {
	if (typeof value === 'string') return maskSecret(value)
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
	return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keep(k) ? v : maskValues(v)]))
}

/** Wire form of a sealed `auth_config`: JSON text, credentials as `****abcd`. */
export function maskAuthConfig(box: SecretBox, sealed: string | null): string | null {
	const config = openJson<Record<string, unknown>>(box, sealed)
	return config === null ? null : JSON.stringify(maskValues(config, (k) => AUTH_PUBLIC_KEYS.has(k)))
}

/** Wire form of a sealed `signing_config`: JSON text, the secret masked, the rest shown. */
export function maskSigningConfig(box: SecretBox, sealed: string | null): string | null {
	const config = openJson<Record<string, unknown>>(box, sealed)
	if (config === null) return null
	return JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, SIGNING_SECRET_KEYS.has(k) && typeof v === 'string' ? maskSecret(v) : v])))
}

/** Wire form of a sealed `provider_config`: credential fields masked, names and addresses shown. */
export function maskProviderConfig(box: SecretBox, sealed: string | null): string | null {
	const config = openJson<Record<string, unknown>>(box, sealed)
	return config === null ? null : JSON.stringify(maskValues(config, (k) => !PROVIDER_SECRET_KEYS.has(k)))
}
