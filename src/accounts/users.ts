import { randomBytes } from 'node:crypto'
import { DEFAULT_TENANCY } from '../auth/service'
import { AppError, BadRequest, Conflict } from '../lib/errors'
import { newId } from '../lib/ids'
import { SINGLE_LINE_TEXT } from '../lib/text'
import { randomHex } from '../lib/crypto'
import type { TenancyRepo } from '../tenancy/repo'
import type { AuthLoader } from './better-auth'
import { MIN_PASSWORD_LENGTH } from './constants'
import type { AccountsRepo, Role, UserRow } from './repo'

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
// Not whitespace, yet no address either: NUL and the other controls, and bidi marks that make one address display as another.
const PLAIN = new RegExp(SINGLE_LINE_TEXT)

export function normalizeEmail(email: string): string {
	const e = email.trim().toLowerCase()
	if (e.length > 254 || !EMAIL.test(e) || !PLAIN.test(e)) throw new BadRequest('Invalid email address', [{ path: '/email', message: 'must be an email address' }])
	return e
}

export function checkPassword(password: string): void {
	if (password.length < MIN_PASSWORD_LENGTH || password.length > 128) {
		throw new BadRequest(`Password must be ${MIN_PASSWORD_LENGTH} to 128 characters`, [{ path: '/password', message: `must be ${MIN_PASSWORD_LENGTH} to 128 characters` }])
	}
}

/** 24 random characters from an unambiguous alphabet: about 138 bits. */
export function generatePassword(): string {
	const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
	return Array.from(randomBytes(24), (b) => alphabet[b % alphabet.length]).join('')
}

export const nowIso = (ms: number) => new Date(ms).toISOString()

/**
 * People: created here through Better Auth's own adapter (so its password hash
 * and rows are exactly what its sign-in expects), made members by our repo.
 */
export class Users {
	constructor(
		private readonly auth: AuthLoader,
		private readonly repo: AccountsRepo,
		private readonly tenancy: TenancyRepo
	) {}

	/** A user with an email+password credential. 409 when the email is taken. */
	async create(email: string, name: string, password: string): Promise<UserRow> {
		const normalized = normalizeEmail(email)
		checkPassword(password)
		if (await this.repo.userByEmail(normalized)) throw new Conflict('A user with this email already exists', '/email')
		const c = await (await this.auth()).$context
		const user = await c.internalAdapter.createUser({ email: normalized, name: name.trim() || normalized.split('@')[0] || normalized, emailVerified: false }, { method: 'admin' })
		await c.internalAdapter.linkAccount({ userId: user.id, providerId: 'credential', accountId: user.id, password: await c.password.hash(password) })
		const row = await this.repo.userByEmail(normalized)
		if (!row) throw new AppError(500, 'User vanished while being created')
		return row
	}

	/** The default organization (the one `--create-admin-key` uses), created when missing. */
	async defaultOrg(now: number): Promise<string> {
		const env = await this.tenancy.ensureDefault({ orgId: newId('org'), envId: newId('env') }, DEFAULT_TENANCY, now)
		return env.org_id
	}

	async addMember(orgId: string, userId: string, role: Role, now: number): Promise<boolean> {
		return this.repo.addMember({ id: `mem_${randomHex(16)}`, orgId, userId, role, createdAt: nowIso(now) })
	}

	/**
	 * First user: owner of the default organization. Idempotent: an existing user
	 * keeps their password and is made owner if they are not a member yet.
	 */
	async ensureAdmin(email: string, name: string | undefined, password: string | undefined, now: number): Promise<{ user: UserRow; created: boolean; password: string | null }> {
		const normalized = normalizeEmail(email)
		const orgId = await this.defaultOrg(now)
		let user = await this.repo.userByEmail(normalized)
		let generated: string | null = null
		const created = !user
		if (!user) {
			const pw = password ?? (generated = generatePassword())
			user = await this.create(normalized, name ?? '', pw)
		}
		await this.addMember(orgId, user.id, 'owner', now)
		return { user, created, password: generated }
	}

	/** Public sign-up (only with --allow-signup): the new user owns a new organization, as on hookstream.io. */
	async onSignedUp(userId: string, now: number): Promise<void> {
		const user = await this.repo.userById(userId)
		if (!user || (await this.repo.memberships(userId)).length > 0) return
		const env = await this.tenancy.createOrganization(
			{ orgId: newId('org'), envId: newId('env') },
			{ org: `${user.name}'s organization`, env: DEFAULT_TENANCY.env, envSlug: DEFAULT_TENANCY.envSlug },
			now
		)
		await this.addMember(env.org_id, user.id, 'owner', now)
	}
}
