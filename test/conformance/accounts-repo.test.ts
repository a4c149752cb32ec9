import { beforeAll, describe, expect, test } from 'bun:test'
import type { AccountsRepo, DeviceCodeRow, MemberRow } from '../../src/accounts/repo'
import type { Store } from '../../src/store'
import { rawSql } from '../support/raw-sql'
import { forEachBackend } from './backends'

/**
 * The accounts repo on both engines: same calls, same answers, the same shapes
 * (Better Auth's dates as ISO strings although PostgreSQL stores timestamptz).
 * Rows Better Auth itself writes (users, sessions, organizations) are seeded with raw SQL.
 */

const T0 = '2026-03-01T10:00:00.000Z'
const T1 = '2026-03-01T10:00:01.500Z'
const T2 = '2026-03-01T10:00:02.250Z'

async function seed(store: Store): Promise<void> {
	// Better Auth's booleans: integer on SQLite, boolean on PostgreSQL.
	const no = store.backend.kind === 'sqlite' ? 0 : false
	for (const [id, email, at] of [['usr_a', 'a@example.com', T0], ['usr_b', 'b@example.com', T1]] as const) {
		await rawSql(store).run('INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $5)', [id, id.slice(4).toUpperCase(), email, no, at])
	}
	for (const id of ['org_1', 'org_2']) {
		await rawSql(store).run('INSERT INTO "organization" (id, name, slug, "createdAt") VALUES ($1, $1, $1, $2)', [id, T0])
	}
}

async function addSession(store: Store, id: string, userId: string, expiresAt: string): Promise<void> {
	await rawSql(store).run('INSERT INTO "session" (id, "expiresAt", token, "createdAt", "updatedAt", "userId") VALUES ($1, $2, $1, $3, $3, $4)', [id, expiresAt, T0, userId])
}

forEachBackend('accounts repo', (backend) => {
	describe('calls', () => {
		let repo: AccountsRepo
		let store: Store
		beforeAll(async () => {
			store = backend.store
			repo = store.accounts
			await seed(store)
		})

		test('users come back with ISO createdAt, or null', async () => {
			expect(await repo.userByEmail('a@example.com')).toEqual({ id: 'usr_a', name: 'A', email: 'a@example.com', createdAt: T0 })
			expect(await repo.userById('usr_b')).toEqual({ id: 'usr_b', name: 'B', email: 'b@example.com', createdAt: T1 })
			expect(await repo.userByEmail('nobody@example.com')).toBeNull()
			expect(await repo.userById('usr_none')).toBeNull()
		})

		test('members: add once, list oldest first, change role, count owners, remove', async () => {
			expect(await repo.addMember({ id: 'mem_2', orgId: 'org_1', userId: 'usr_b', role: 'viewer', createdAt: T2 })).toBe(true)
			expect(await repo.addMember({ id: 'mem_1', orgId: 'org_1', userId: 'usr_a', role: 'owner', createdAt: T1 })).toBe(true)
			// The same user twice in one organization: refused, not an error.
			expect(await repo.addMember({ id: 'mem_x', orgId: 'org_1', userId: 'usr_a', role: 'admin', createdAt: T2 })).toBe(false)
			expect(await repo.addMember({ id: 'mem_3', orgId: 'org_2', userId: 'usr_a', role: 'member', createdAt: T0 })).toBe(true)

			const a1: MemberRow = { id: 'mem_1', organizationId: 'org_1', userId: 'usr_a', role: 'owner', createdAt: T1, email: 'a@example.com', name: 'A' }
			const a2: MemberRow = { id: 'mem_3', organizationId: 'org_2', userId: 'usr_a', role: 'member', createdAt: T0, email: 'a@example.com', name: 'A' }
			const b1: MemberRow = { id: 'mem_2', organizationId: 'org_1', userId: 'usr_b', role: 'viewer', createdAt: T2, email: 'b@example.com', name: 'B' }
			expect(await repo.members('org_1')).toEqual([a1, b1])
			expect(await repo.memberships('usr_a')).toEqual([a2, a1])
			expect(await repo.member('org_1', 'mem_2')).toEqual(b1)
			// Another organization's member does not exist here.
			expect(await repo.member('org_2', 'mem_2')).toBeNull()

			expect(await repo.ownerCount('org_1')).toBe(1)
			await repo.setRole('mem_2', 'owner')
			expect(await repo.ownerCount('org_1')).toBe(2)
			expect(await repo.ownerCount('org_none')).toBe(0)
			await repo.removeMember('mem_2')
			expect(await repo.members('org_1')).toEqual([a1])
			expect(await repo.ownerCount('org_1')).toBe(1)
		})

		test('a session is active while unexpired and its user still a member', async () => {
			await addSession(store, 'ses_a', 'usr_a', '2026-03-01T11:00:00.000Z')
			await addSession(store, 'ses_b', 'usr_b', '2026-03-01T11:00:00.000Z')
			expect(await repo.sessionActive('ses_a', 'org_1', '2026-03-01T10:59:59.999Z')).toBe(true)
			expect(await repo.sessionActive('ses_a', 'org_1', '2026-03-01T11:00:00.000Z')).toBe(false)
			expect(await repo.sessionActive('ses_none', 'org_1', T0)).toBe(false)
			// usr_b was removed from org_1 above.
			expect(await repo.sessionActive('ses_b', 'org_1', T0)).toBe(false)
			expect(await repo.sessionActive('ses_a', 'org_none', T0)).toBe(false)
		})

		test('invitations: pending oldest first, accepted once with its membership, canceled only while pending', async () => {
			const inv = (id: string, email: string, createdAt: string) => ({
				id, organizationId: 'org_2', email, role: 'admin' as const, status: 'pending' as const, expiresAt: '2026-03-08T10:00:00.000Z', createdAt, inviterId: 'usr_a'
			})
			await repo.createInvitation(inv('inv_2', 'b@example.com', T2))
			await repo.createInvitation(inv('inv_1', 'c@example.com', T1))
			expect(await repo.invitation('inv_2')).toEqual(inv('inv_2', 'b@example.com', T2))
			expect(await repo.invitation('inv_none')).toBeNull()
			expect(await repo.pendingInvitations('org_2')).toEqual([inv('inv_1', 'c@example.com', T1), inv('inv_2', 'b@example.com', T2)])

			const member = { id: 'mem_4', orgId: 'org_2', userId: 'usr_b', role: 'admin' as const, createdAt: T2 }
			expect(await repo.acceptInvitation('inv_2', member)).toBe(true)
			expect(await repo.acceptInvitation('inv_2', { ...member, id: 'mem_5' })).toBe(false)
			expect((await repo.memberships('usr_b')).map((m) => [m.id, m.organizationId, m.role])).toEqual([['mem_4', 'org_2', 'admin']])
			expect((await repo.invitation('inv_2'))?.status).toBe('accepted')

			expect(await repo.cancelInvitation('inv_2')).toBe(false)
			expect(await repo.cancelInvitation('inv_1')).toBe(true)
			expect(await repo.cancelInvitation('inv_1')).toBe(false)
			expect(await repo.pendingInvitations('org_2')).toEqual([])
		})

		test('device codes: approve while pending and unexpired, consume once, old ones swept', async () => {
			const now = 1_800_000_000_000
			await repo.createDeviceCode('hash_old', 'OLD-CODE', now - 48 * 3600_000, now - 47 * 3600_000)
			await repo.createDeviceCode('hash_1', 'ABCD-EFGH', now, now + 600_000)
			// Made a day after the old one expired: the old one is gone.
			expect(await repo.deviceByHash('hash_old')).toBeNull()
			const pending: DeviceCodeRow = { device_code_hash: 'hash_1', user_code: 'ABCD-EFGH', status: 'pending', user_id: null, org_id: null, env_id: null, key_id: null, created_at: now, expires_at: now + 600_000, last_polled_at: null }
			expect(await repo.deviceByHash('hash_1')).toEqual(pending)
			expect(await repo.deviceByUserCode('ABCD-EFGH')).toEqual(pending)
			expect(await repo.deviceByUserCode('NONE-NONE')).toBeNull()

			const who = { userId: 'usr_a', orgId: 'org_1', envId: 'env_1' }
			expect(await repo.approveDevice('ABCD-EFGH', who, now + 600_000)).toBe(false)
			expect(await repo.consumeDevice('hash_1', 'key_1')).toBe(false)
			expect(await repo.approveDevice('ABCD-EFGH', who, now + 1000)).toBe(true)
			expect(await repo.approveDevice('ABCD-EFGH', who, now + 1000)).toBe(false)
			await repo.touchDevice('hash_1', now + 2000)
			expect(await repo.consumeDevice('hash_1', 'key_1')).toBe(true)
			expect(await repo.consumeDevice('hash_1', 'key_2')).toBe(false)
			expect(await repo.deviceByHash('hash_1')).toEqual({ ...pending, status: 'consumed', user_id: 'usr_a', org_id: 'org_1', env_id: 'env_1', key_id: 'key_1', last_polled_at: now + 2000 })
		})
	})
})
