import type { Role } from './repo'

export const ROLES: readonly Role[] = ['viewer', 'member', 'admin', 'owner']

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 }

export function isRole(value: unknown): value is Role {
	return typeof value === 'string' && value in RANK
}

export function atLeast(role: Role, min: Role): boolean {
	return RANK[role] >= RANK[min]
}

/** What a request needs: the lowest role, and whether an API key may make it at all. */
export interface Requirement {
	minRole: Role
	/** Key, member and environment management need a signed-in person (the reference: keys cannot manage keys). */
	sessionOnly: boolean
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function isReadMethod(method: string): boolean {
	return READ_METHODS.has(method)
}

/**
 * The one policy table, checked for every authenticated /v1 request before its
 * route runs (the README's "who may do what" table says the same):
 * - reads need `viewer`;
 * - writes to resources (sources, destinations, connections, retries, …) need `member`;
 * - environments, members and invitations: writes need `admin` and a session;
 * - API keys: every call needs `admin` and a session;
 * - device approval: any signed-in member (a viewer's CLI key is read-only).
 * API keys act as `member` (or `viewer` for a read-only key): never more.
 */
export function requirementFor(method: string, path: string): Requirement {
	if (path.startsWith('/v1/auth/api-keys')) return { minRole: 'admin', sessionOnly: true }
	if (path === '/v1/auth/device/approve') return { minRole: 'viewer', sessionOnly: true }
	const read = isReadMethod(method)
	if (path === '/v1/environments' || path.startsWith('/v1/environments/') || path.startsWith('/v1/members') || path.startsWith('/v1/invitations')) {
		return read ? { minRole: 'viewer', sessionOnly: false } : { minRole: 'admin', sessionOnly: true }
	}
	return read ? { minRole: 'viewer', sessionOnly: false } : { minRole: 'member', sessionOnly: false }
}

/** The role an API key acts with. */
export function keyRole(scopes: string | null): Role {
	return scopes === '["read"]' ? 'viewer' : 'member'
}
