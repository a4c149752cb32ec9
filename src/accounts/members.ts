import type { AuthContext } from '../auth/service'
import { AppError, BadRequest, Conflict, Forbidden, Gone, NotFound, Unauthorized } from '../lib/errors'
import type { Clock } from '../lib/clock'
import { randomHex } from '../lib/crypto'
import type { AccountsRepo, InvitationRow, MemberRow, Role } from './repo'
import type { SessionUser } from './sessions'
import { normalizeEmail, nowIso, type Users } from './users'

const INVITATION_TTL_MS = 7 * 24 * 3600_000

export interface MemberWire {
	id: string
	user_id: string
	email: string
	name: string
	role: Role
	created_at: string
}

export interface InvitationWire {
	id: string
	org_id: string
	email: string
	role: Role
	status: string
	expires_at: string
	created_at: string
}

export const memberWire = (m: MemberRow): MemberWire => ({ id: m.id, user_id: m.userId, email: m.email, name: m.name, role: m.role, created_at: m.createdAt })
export const invitationWire = (i: InvitationRow): InvitationWire => ({
	id: i.id, org_id: i.organizationId, email: i.email, role: i.role, status: i.status, expires_at: i.expiresAt, created_at: i.createdAt
})

/** Delivers an invitation link some other way than the API response (e.g. email); optional. */
export type InvitationSender = (invitation: InvitationWire, url: string) => Promise<void>

/**
 * Team management. Admins manage members and invitations but cannot touch an
 * owner or make one; only owners can. An organization always keeps an owner.
 */
export class Members {
	constructor(
		private readonly repo: AccountsRepo,
		private readonly users: Users,
		private readonly clock: Clock,
		private readonly sender: InvitationSender | null = null
	) {}

	list(auth: AuthContext): Promise<MemberRow[]> {
		return this.repo.members(auth.orgId)
	}

	#mayAssign(auth: AuthContext, role: Role): void {
		if (role === 'owner' && auth.role !== 'owner') throw new Forbidden('Only an owner can make someone an owner')
	}

	async #target(auth: AuthContext, memberId: string): Promise<MemberRow> {
		const m = await this.repo.member(auth.orgId, memberId)
		if (!m) throw new NotFound('Member')
		if (m.role === 'owner' && auth.role !== 'owner') throw new Forbidden('Only an owner can change or remove an owner')
		return m
	}

	async #keepAnOwner(auth: AuthContext, m: MemberRow): Promise<void> {
		if (m.role === 'owner' && (await this.repo.ownerCount(auth.orgId)) <= 1) throw new Conflict('An organization must keep at least one owner')
	}

	async changeRole(auth: AuthContext, memberId: string, role: Role): Promise<MemberRow> {
		this.#mayAssign(auth, role)
		const m = await this.#target(auth, memberId)
		if (role !== 'owner') await this.#keepAnOwner(auth, m)
		await this.repo.setRole(m.id, role)
		return { ...m, role }
	}

	async remove(auth: AuthContext, memberId: string): Promise<void> {
		const m = await this.#target(auth, memberId)
		await this.#keepAnOwner(auth, m)
		await this.repo.removeMember(m.id)
	}

	async invite(auth: AuthContext, email: string, role: Role, baseUrl: string): Promise<{ invitation: InvitationWire; url: string; sent: boolean }> {
		this.#mayAssign(auth, role)
		const normalized = normalizeEmail(email)
		if ((await this.repo.members(auth.orgId)).some((m) => m.email === normalized)) throw new Conflict('This person is already a member', '/email')
		const now = this.clock.now()
		const row: InvitationRow = {
			id: `inv_${randomHex(16)}`, organizationId: auth.orgId, email: normalized, role, status: 'pending',
			expiresAt: nowIso(now + INVITATION_TTL_MS), createdAt: nowIso(now), inviterId: auth.userId ?? ''
		}
		await this.repo.createInvitation(row)
		const invitation = invitationWire(row)
		// The page a person opens (name, password, accept); the API twin is GET/POST /v1/invitations/{id}[/accept].
		const url = `${baseUrl}/dashboard/invitations/${row.id}`
		if (this.sender) await this.sender(invitation, url)
		return { invitation, url, sent: this.sender !== null }
	}

	async pending(auth: AuthContext): Promise<InvitationRow[]> {
		return this.repo.pendingInvitations(auth.orgId)
	}

	async cancel(auth: AuthContext, id: string): Promise<void> {
		const inv = await this.repo.invitation(id)
		if (!inv || inv.organizationId !== auth.orgId || inv.status !== 'pending') throw new NotFound('Invitation')
		await this.repo.cancelInvitation(id)
	}

	/** The invitation's public view (its id is the 128-bit secret of the link). */
	async show(id: string): Promise<InvitationRow> {
		const inv = await this.repo.invitation(id)
		if (!inv || inv.status !== 'pending') throw new NotFound('Invitation')
		if (Date.parse(inv.expiresAt) <= this.clock.now()) throw new Gone('Invitation has expired')
		return inv
	}

	/**
	 * Someone new sets a password and becomes a user; someone with an account
	 * must be signed in as the invited email. Either way they join with the
	 * invited role. Returns whether a user was created (the caller signs them in).
	 */
	async accept(id: string, session: SessionUser | null, body: { name?: string; password?: string }): Promise<{ member: MemberRow; createdUser: boolean; email: string }> {
		const inv = await this.show(id)
		const existing = await this.repo.userByEmail(inv.email)
		let userId: string
		if (existing) {
			if (!session || session.id !== existing.id) throw new Unauthorized(`Sign in as ${inv.email} to accept this invitation`)
			userId = existing.id
		} else {
			if (body.password === undefined) throw new BadRequest("Invalid body: 'password' is required to create your account", [{ path: '/password', message: 'is required' }])
			userId = (await this.users.create(inv.email, body.name ?? '', body.password)).id
		}
		const memberId = `mem_${randomHex(16)}`
		const ok = await this.repo.acceptInvitation(inv.id, { id: memberId, orgId: inv.organizationId, userId, role: inv.role, createdAt: nowIso(this.clock.now()) })
		if (!ok) throw new NotFound('Invitation')
		const member = (await this.repo.memberships(userId)).find((m) => m.organizationId === inv.organizationId)
		if (!member) throw new AppError(500, 'Membership vanished while being created')
		return { member, createdUser: !existing, email: inv.email }
	}
}
