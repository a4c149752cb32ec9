import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'

/**
 * SQL over Better Auth's tables (user, member, invitation) and our device codes.
 * Better Auth owns sign-in and sessions; hookstream reads and writes memberships
 * itself so that one set of role rules (src/accounts/roles.ts) applies. Its dates
 * are ISO-8601 text, written here exactly as Better Auth writes them.
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

const MEMBER_COLUMNS = 'm.id, m.organizationId, m.userId, m.role, m.createdAt, u.email, u.name'

const INSERT_MEMBER = 'INSERT INTO "member" (id, organizationId, userId, role, createdAt) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organizationId, userId) DO NOTHING'

export function createAccountsRepo(db: Database) {
	return { ...usersAndMembers(db), ...invitations(db), ...deviceCodes(db) }
}

function usersAndMembers(db: Database) {
	const userByEmail = prepare<UserRow, [string]>(db, 'SELECT id, name, email, createdAt FROM "user" WHERE email = $1')
	const userById = prepare<UserRow, [string]>(db, 'SELECT id, name, email, createdAt FROM "user" WHERE id = $1')
	const membershipsOf = prepare<MemberRow, [string]>(db, `SELECT ${MEMBER_COLUMNS} FROM "member" m JOIN "user" u ON u.id = m.userId WHERE m.userId = $1 ORDER BY m.createdAt, m.id`)
	const membersOf = prepare<MemberRow, [string]>(db, `SELECT ${MEMBER_COLUMNS} FROM "member" m JOIN "user" u ON u.id = m.userId WHERE m.organizationId = $1 ORDER BY m.createdAt, m.id`)
	const memberById = prepare<MemberRow, [string, string]>(db, `SELECT ${MEMBER_COLUMNS} FROM "member" m JOIN "user" u ON u.id = m.userId WHERE m.organizationId = $1 AND m.id = $2`)
	const insertMember = prepare(db, INSERT_MEMBER)
	const setRole = prepare(db, 'UPDATE "member" SET role = $2 WHERE id = $1')
	const deleteMember = prepare(db, 'DELETE FROM "member" WHERE id = $1')
	const owners = prepare<{ n: number }, [string]>(db, `SELECT COUNT(*) AS n FROM "member" WHERE organizationId = $1 AND role = 'owner'`)
	const sessionInOrg = prepare<{ ok: number }, [string, string, string]>(
		db,
		'SELECT 1 AS ok FROM "session" s JOIN "member" m ON m.userId = s.userId AND m.organizationId = $2 WHERE s.id = $1 AND s.expiresAt > $3'
	)

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
	const insertMember = prepare(db, INSERT_MEMBER)
	const insertInvitation = prepare(db, 'INSERT INTO "invitation" (id, organizationId, email, role, status, expiresAt, createdAt, inviterId) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)')
	const invitationById = prepare<InvitationRow, [string]>(db, 'SELECT * FROM "invitation" WHERE id = $1')
	const pendingInvitations = prepare<InvitationRow, [string]>(db, `SELECT * FROM "invitation" WHERE organizationId = $1 AND status = 'pending' ORDER BY createdAt, id`)
	const setInvitationStatus = prepare(db, 'UPDATE "invitation" SET status = $2 WHERE id = $1 AND status = $3')

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
	const insertDevice = prepare(db, `INSERT INTO device_codes (device_code_hash, user_code, status, created_at, expires_at) VALUES ($1, $2, 'pending', $3, $4)`)
	const deviceByHash = prepare<DeviceCodeRow, [string]>(db, 'SELECT * FROM device_codes WHERE device_code_hash = $1')
	const deviceByUserCode = prepare<DeviceCodeRow, [string]>(db, 'SELECT * FROM device_codes WHERE user_code = $1')
	const approveDevice = prepare(db, `UPDATE device_codes SET status = 'approved', user_id = $2, org_id = $3, env_id = $4 WHERE user_code = $1 AND status = 'pending' AND expires_at > $5`)
	const consumeDevice = prepare(db, `UPDATE device_codes SET status = 'consumed', key_id = $2 WHERE device_code_hash = $1 AND status = 'approved'`)
	const pollDevice = prepare(db, 'UPDATE device_codes SET last_polled_at = $2 WHERE device_code_hash = $1')
	const expireDevices = prepare(db, 'DELETE FROM device_codes WHERE expires_at < $1')

	return {
		async createDeviceCode(hash: string, userCode: string, now: number, expiresAt: number): Promise<void> {
			expireDevices.run(now - 24 * 3600_000)
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
