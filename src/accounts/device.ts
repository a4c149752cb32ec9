import { randomBytes } from 'node:crypto'
import type { ApiKeyService, AuthContext } from '../auth/service'
import { AppError, NotFound } from '../lib/errors'
import type { Clock } from '../lib/clock'
import { randomHex, sha256Hex } from '../lib/crypto'
import { newApiKeyId } from '../lib/ids'
import { IpWindowLimiter } from '../sessions/rate-limit'
import type { AccountsRepo } from './repo'

/** The reference's alphabet: no O 0 I 1 L, so a code read aloud or typed is unambiguous. */
const USER_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
export const DEVICE_CODE_TTL_S = 900
export const DEVICE_POLL_INTERVAL_S = 5
/** Codes one client address may ask for per hour: a login needs one, and the endpoint is public. */
export const DEVICE_CODES_PER_IP_HOUR = 30

export function newUserCode(): string {
	// 256 % 31 ≠ 0: reject the top of the byte range so every letter is equally likely.
	const out: string[] = []
	while (out.length < 8) {
		for (const b of randomBytes(16)) {
			if (b < 248 && out.length < 8) out.push(USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length] as string)
		}
	}
	return `${out.slice(0, 4).join('')}-${out.slice(4).join('')}`
}

/** As typed or read aloud: any case, with or without the dash, spaces around groups ("wdjb mjht"). */
export function normalizeUserCode(input: string): string {
	const bare = input.replace(/[\s-]/g, '').toUpperCase()
	return bare.length === 8 ? `${bare.slice(0, 4)}-${bare.slice(4)}` : bare
}

/** OAuth-style poll errors: 400 with the RFC 8628 code in `error_code`. */
export class DeviceFlowError extends AppError {
	constructor(code: 'authorization_pending' | 'expired_token' | 'slow_down' | 'invalid_grant', message: string) {
		super(400, message, undefined, undefined, { error_code: code })
	}
}

/**
 * `hookstream login`: the CLI asks for a code pair, shows the user code and
 * polls; a signed-in member approves the user code; the next poll mints an API
 * key for that member's environment and returns it once. The device code is
 * kept only as a hash; a viewer's key is read-only.
 */
export class DeviceFlow {
	constructor(
		private readonly repo: AccountsRepo,
		private readonly keys: ApiKeyService,
		private readonly clock: Clock
	) {}

	readonly #limiter = new IpWindowLimiter(DEVICE_CODES_PER_IP_HOUR, 3_600_000)

	/** `ip`: the client address (429 past DEVICE_CODES_PER_IP_HOUR, so nobody fills the table from one address). */
	async start(baseUrl: string, ip: string | null) {
		const now = this.clock.now()
		const retryAfter = this.#limiter.hit(ip ?? 'unknown', now)
		if (retryAfter !== null) throw new AppError(429, `Too many device codes from this address: ${DEVICE_CODES_PER_IP_HOUR} per hour`, undefined, { 'retry-after': String(Math.ceil(retryAfter / 1000)) })
		const deviceCode = randomHex(32)
		const userCode = newUserCode()
		await this.repo.createDeviceCode(sha256Hex(deviceCode), userCode, now, now + DEVICE_CODE_TTL_S * 1000)
		return {
			device_code: deviceCode,
			user_code: userCode,
			verification_url: `${baseUrl}/dashboard/cli-auth?code=${userCode}`,
			expires_in: DEVICE_CODE_TTL_S,
			interval: DEVICE_POLL_INTERVAL_S
		}
	}

	async approve(auth: AuthContext, userCode: string): Promise<void> {
		const code = normalizeUserCode(userCode)
		const row = await this.repo.deviceByUserCode(code)
		if (!row || row.status !== 'pending') throw new NotFound('Device code')
		if (row.expires_at <= this.clock.now()) throw new DeviceFlowError('expired_token', 'Device code has expired')
		if (!auth.userId) throw new AppError(403, 'Device approval needs a signed-in user')
		if (!(await this.repo.approveDevice(code, { userId: auth.userId, orgId: auth.orgId, envId: auth.envId }, this.clock.now()))) throw new NotFound('Device code')
	}

	async poll(deviceCode: string): Promise<{ api_key: string; key_prefix: string; org_id: string; env_id: string }> {
		const hash = sha256Hex(deviceCode)
		const row = await this.repo.deviceByHash(hash)
		const now = this.clock.now()
		if (!row || row.status === 'consumed') throw new DeviceFlowError('invalid_grant', 'Unknown or already used device code')
		if (row.expires_at <= now) throw new DeviceFlowError('expired_token', 'Device code has expired')
		if (row.status === 'pending') {
			const early = row.last_polled_at !== null && now - row.last_polled_at < (DEVICE_POLL_INTERVAL_S * 1000) / 2
			await this.repo.touchDevice(hash, now)
			if (early) throw new DeviceFlowError('slow_down', 'Polling too fast: wait the interval between polls')
			throw new DeviceFlowError('authorization_pending', 'Waiting for the code to be approved')
		}
		const { user_id: userId, org_id: orgId, env_id: envId } = row
		if (!userId || !orgId || !envId) throw new DeviceFlowError('invalid_grant', 'Unknown or already used device code')
		// The member may have lost access since approving: check again when the key is minted.
		const current = (await this.repo.memberships(userId)).find((m) => m.organizationId === orgId)?.role ?? null
		if (current === null) throw new DeviceFlowError('invalid_grant', 'The approving user is no longer a member')
		const keyId = newApiKeyId()
		if (!(await this.repo.consumeDevice(hash, keyId))) throw new DeviceFlowError('invalid_grant', 'Unknown or already used device code')
		const { key, row: keyRow } = await this.keys.createFor(orgId, envId, 'CLI (device login)', current === 'viewer' ? ['read'] : null, keyId)
		return { api_key: key, key_prefix: keyRow.key_prefix, org_id: orgId, env_id: envId }
	}
}
