import type { Params, Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import type { AccountsRepo, DeviceCodeRow, InvitationRow, MemberRow, Role, UserRow } from './repo'
import * as Q from './repo-sql'

/**
 * The accounts repo on PostgreSQL. Better Auth's tables hold timestamptz there
 * (Bun.SQL hands them over as Date objects) where SQLite holds ISO-8601 text; rows
 * leave this file with the same ISO strings as on SQLite, so callers see one shape.
 * ISO strings passed in are untyped parameters, which PostgreSQL reads as timestamptz.
 */
function iso(value: unknown): string {
	return value instanceof Date ? value.toISOString() : new Date(value as string).toISOString()
}

function userOf(row: UserRow | null): UserRow | null {
	return row && { ...row, createdAt: iso(row.createdAt) }
}

function memberOf(row: MemberRow): MemberRow {
	return { ...row, createdAt: iso(row.createdAt) }
}

function invitationOf(row: InvitationRow): InvitationRow {
	return { ...row, expiresAt: iso(row.expiresAt), createdAt: iso(row.createdAt) }
}

/** Reads are idempotent: sent once more when the pool lost the connection under them. */
function reads(pg: Pg) {
	return {
		get: <T>(text: string, params: Params) => retryRead(() => pg.get<T>(text, params)),
		all: <T>(text: string, params: Params) => retryRead(() => pg.all<T>(text, params))
	}
}

type NewMember = { id: string; orgId: string; userId: string; role: Role; createdAt: string }

const memberParams = (m: NewMember) => [m.id, m.orgId, m.userId, m.role, m.createdAt]

export function createAccountsRepoPg(pg: Pg): AccountsRepo {
	return { ...usersAndMembers(pg), ...invitations(pg), ...deviceCodes(pg) }
}

function usersAndMembers(pg: Pg) {
	const r = reads(pg)
	return {
		async userByEmail(email: string): Promise<UserRow | null> {
			return userOf(await r.get<UserRow>(Q.USER_BY_EMAIL, [email]))
		},
		async userById(id: string): Promise<UserRow | null> {
			return userOf(await r.get<UserRow>(Q.USER_BY_ID, [id]))
		},
		async memberships(userId: string): Promise<MemberRow[]> {
			return (await r.all<MemberRow>(Q.MEMBERSHIPS_OF, [userId])).map(memberOf)
		},
		async sessionActive(sessionId: string, orgId: string, nowIso: string): Promise<boolean> {
			return (await r.get(Q.SESSION_IN_ORG, [sessionId, orgId, nowIso])) !== null
		},
		async members(orgId: string): Promise<MemberRow[]> {
			return (await r.all<MemberRow>(Q.MEMBERS_OF, [orgId])).map(memberOf)
		},
		async member(orgId: string, memberId: string): Promise<MemberRow | null> {
			const row = await r.get<MemberRow>(Q.MEMBER_BY_ID, [orgId, memberId])
			return row && memberOf(row)
		},
		async addMember(row: NewMember): Promise<boolean> {
			return (await pg.run(Q.INSERT_MEMBER, memberParams(row))) > 0
		},
		async setRole(memberId: string, role: Role): Promise<void> {
			await pg.run(Q.SET_ROLE, [memberId, role])
		},
		async removeMember(memberId: string): Promise<void> {
			await pg.run(Q.DELETE_MEMBER, [memberId])
		},
		async ownerCount(orgId: string): Promise<number> {
			return (await r.get<{ n: number }>(Q.OWNER_COUNT, [orgId]))?.n ?? 0
		}
	}
}

function invitations(pg: Pg) {
	const r = reads(pg)
	return {
		async createInvitation(row: InvitationRow): Promise<void> {
			await pg.run(Q.INSERT_INVITATION, [row.id, row.organizationId, row.email, row.role, row.status, row.expiresAt, row.createdAt, row.inviterId])
		},
		async invitation(id: string): Promise<InvitationRow | null> {
			const row = await r.get<InvitationRow>(Q.INVITATION_BY_ID, [id])
			return row && invitationOf(row)
		},
		async pendingInvitations(orgId: string): Promise<InvitationRow[]> {
			return (await r.all<InvitationRow>(Q.PENDING_INVITATIONS, [orgId])).map(invitationOf)
		},
		/** The status flip and the membership commit together: an invitation is never used twice nor lost half-way. */
		async acceptInvitation(id: string, member: NewMember): Promise<boolean> {
			return pg.tx(async (q) => {
				if ((await q.run(Q.SET_INVITATION_STATUS, [id, 'accepted', 'pending'])) === 0) return false
				await q.run(Q.INSERT_MEMBER, memberParams(member))
				return true
			})
		},
		async cancelInvitation(id: string): Promise<boolean> {
			return (await pg.run(Q.SET_INVITATION_STATUS, [id, 'canceled', 'pending'])) > 0
		}
	}
}

function deviceCodes(pg: Pg) {
	const r = reads(pg)
	return {
		async createDeviceCode(hash: string, userCode: string, now: number, expiresAt: number): Promise<void> {
			await pg.run(Q.EXPIRE_DEVICES, [now - Q.DEVICE_KEEP_MS])
			await pg.run(Q.INSERT_DEVICE, [hash, userCode, now, expiresAt])
		},
		async deviceByHash(hash: string): Promise<DeviceCodeRow | null> {
			return r.get<DeviceCodeRow>(Q.DEVICE_BY_HASH, [hash])
		},
		async deviceByUserCode(userCode: string): Promise<DeviceCodeRow | null> {
			return r.get<DeviceCodeRow>(Q.DEVICE_BY_USER_CODE, [userCode])
		},
		async approveDevice(userCode: string, who: { userId: string; orgId: string; envId: string }, now: number): Promise<boolean> {
			return (await pg.run(Q.APPROVE_DEVICE, [userCode, who.userId, who.orgId, who.envId, now])) > 0
		},
		async consumeDevice(hash: string, keyId: string): Promise<boolean> {
			return (await pg.run(Q.CONSUME_DEVICE, [hash, keyId])) > 0
		},
		async touchDevice(hash: string, now: number): Promise<void> {
			await pg.run(Q.TOUCH_DEVICE, [hash, now])
		}
	}
}
