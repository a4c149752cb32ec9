import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import * as Q from './repo-sql'

/**
 * SQL over Better Auth's tables (user, member, invitation) and our device codes.
 * Better Auth owns sign-in and sessions; hookstream reads and writes memberships
 * itself so that one set of role rules (src/accounts/roles.ts) applies. Its dates
 * are ISO-8601 text, written here exactly as Better Auth writes them. The
 * PostgreSQL twin (repo-pg.ts) returns the same shapes; shared SQL is in repo-sql.ts.
 */
export type Role = 'owner' | 'admin' | 'member' | 'viewer'

export interface UserRow {
	id: string
	name: string
	email: string
	createdAt: string
}

export interface MemberRow {
	id: string
	organizationId: string
	userId: string
	role: Role
	createdAt: string
	email: string
	name: string
}

export interface InvitationRow {
	id: string
	organizationId: string
	email: string
	role: Role
	status: 'pending' | 'accepted' | 'canceled'
	expiresAt: string
	createdAt: string
	inviterId: string
}

export interface DeviceCodeRow {
	device_code_hash: string
	user_code: string
	status: 'pending' | 'approved' | 'consumed'
	user_id: string | null
	org_id: string | null
	env_id: string | null
	key_id: string | null
	created_at: number
	expires_at: number
	last_polled_at: number | null
}

export type AccountsRepo = ReturnType<typeof createAccountsRepo>

export function createAccountsRepo(db: Database) {
	return { ...usersAndMembers(db), ...invitations(db), ...deviceCodes(db) }
}

function usersAndMembers(db: Database) {
	const userByEmail = prepare<UserRow, [string]>(db, Q.USER_BY_EMAIL)
	const userById = prepare<UserRow, [string]>(db, Q.USER_BY_ID)
	const membershipsOf = prepare<MemberRow, [string]>(db, Q.MEMBERSHIPS_OF)
	const membersOf = prepare<MemberRow, [string]>(db, Q.MEMBERS_OF)
	const memberById = prepare<MemberRow, [string, string]>(db, Q.MEMBER_BY_ID)
	const insertMember = prepare(db, Q.INSERT_MEMBER)
	const setRole = prepare(db, Q.SET_ROLE)
	const deleteMember = prepare(db, Q.DELETE_MEMBER)
	const owners = prepare<{ n: number }, [string]>(db, Q.OWNER_COUNT)
	const sessionInOrg = prepare<{ ok: number }, [string, string, string]>(db, Q.SESSION_IN_ORG)

	return {
		async userByEmail(email: string): Promise<UserRow | null> {
			return userByEmail.get(email)
		},
		async userById(id: string): Promise<UserRow | null> {
			return userById.get(id)
		},
		/** The user's organizations, oldest membership first. */
		async memberships(userId: string): Promise<MemberRow[]> {
			return membershipsOf.all(userId)
		},
		/** The session is still signed in (not signed out, revoked or expired at `nowIso`) and its user still belongs to the organization. */
		async sessionActive(sessionId: string, orgId: string, nowIso: string): Promise<boolean> {
			return sessionInOrg.get(sessionId, orgId, nowIso) !== null
		},
		async members(orgId: string): Promise<MemberRow[]> {
			return membersOf.all(orgId)
		},
		async member(orgId: string, memberId: string): Promise<MemberRow | null> {
			return memberById.get(orgId, memberId)
		},
		/** Returns false when the user already belongs to the organization. */
		async addMember(row: { id: string; orgId: string; userId: string; role: Role; createdAt: string }): Promise<boolean> {
			return insertMember.run(row.id, row.orgId, row.userId, row.role, row.createdAt).changes > 0
		},
		async setRole(memberId: string, role: Role): Promise<void> {
			setRole.run(memberId, role)
		},
		async removeMember(memberId: string): Promise<void> {
			deleteMember.run(memberId)
		},
		async ownerCount(orgId: string): Promise<number> {
			return owners.get(orgId)?.n ?? 0
		}
	}
}

function invitations(db: Database) {
	const insertMember = prepare(db, Q.INSERT_MEMBER)
	const insertInvitation = prepare(db, Q.INSERT_INVITATION)
	const invitationById = prepare<InvitationRow, [string]>(db, Q.INVITATION_BY_ID)
	const pendingInvitations = prepare<InvitationRow, [string]>(db, Q.PENDING_INVITATIONS)
	const setInvitationStatus = prepare(db, Q.SET_INVITATION_STATUS)

	return {
		async createInvitation(row: InvitationRow): Promise<void> {
			insertInvitation.run(row.id, row.organizationId, row.email, row.role, row.status, row.expiresAt, row.createdAt, row.inviterId)
		},
		async invitation(id: string): Promise<InvitationRow | null> {
			return invitationById.get(id)
		},
		async pendingInvitations(orgId: string): Promise<InvitationRow[]> {
			return pendingInvitations.all(orgId)
		},
		/** Accepts a pending invitation and adds the member in one transaction; false if it was not pending. */
		async acceptInvitation(id: string, member: { id: string; orgId: string; userId: string; role: Role; createdAt: string }): Promise<boolean> {
			return db.transaction(() => {
				if (setInvitationStatus.run(id, 'accepted', 'pending').changes === 0) return false
				insertMember.run(member.id, member.orgId, member.userId, member.role, member.createdAt)
				return true
			}).immediate()
		},
		async cancelInvitation(id: string): Promise<boolean> {
			return setInvitationStatus.run(id, 'canceled', 'pending').changes > 0
		}
	}
}

function deviceCodes(db: Database) {
	const insertDevice = prepare(db, Q.INSERT_DEVICE)
	const deviceByHash = prepare<DeviceCodeRow, [string]>(db, Q.DEVICE_BY_HASH)
	const deviceByUserCode = prepare<DeviceCodeRow, [string]>(db, Q.DEVICE_BY_USER_CODE)
	const approveDevice = prepare(db, Q.APPROVE_DEVICE)
	const consumeDevice = prepare(db, Q.CONSUME_DEVICE)
	const pollDevice = prepare(db, Q.TOUCH_DEVICE)
	const expireDevices = prepare(db, Q.EXPIRE_DEVICES)

	return {
		async createDeviceCode(hash: string, userCode: string, now: number, expiresAt: number): Promise<void> {
			expireDevices.run(now - Q.DEVICE_KEEP_MS)
			insertDevice.run(hash, userCode, now, expiresAt)
		},
		async deviceByHash(hash: string): Promise<DeviceCodeRow | null> {
			return deviceByHash.get(hash)
		},
		async deviceByUserCode(userCode: string): Promise<DeviceCodeRow | null> {
			return deviceByUserCode.get(userCode)
		},
		async approveDevice(userCode: string, who: { userId: string; orgId: string; envId: string }, now: number): Promise<boolean> {
			return approveDevice.run(userCode, who.userId, who.orgId, who.envId, now).changes > 0
		},
		/** Marks an approved code used; false when another poll got there first. */
		async consumeDevice(hash: string, keyId: string): Promise<boolean> {
			return consumeDevice.run(hash, keyId).changes > 0
		},
		async touchDevice(hash: string, now: number): Promise<void> {
			pollDevice.run(hash, now)
		}
	}
}
