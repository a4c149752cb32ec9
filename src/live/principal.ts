import type { AuthContext } from '../auth/service'

/**
 * Who holds a live stream, asked again at every heartbeat (src/live/hub.ts): a
 * stream outlives the request that opened it, so a revoked key or a session that
 * signed out must not keep reading. Encoded as a string so the hub can group
 * streams by it without knowing the kinds.
 */
export function livePrincipalOf(auth: AuthContext): string | null {
	if (auth.keyId) return `key:${auth.keyId}`
	// The organization is part of it: a member removed from it loses the stream too.
	if (auth.sessionId) return `session:${auth.sessionId}:${auth.orgId}`
	return null
}

export interface PrincipalChecks {
	keyActive(keyId: string): Promise<boolean>
	sessionActive(sessionId: string, orgId: string): Promise<boolean>
}

/** The hub's recheck: null while the principal may still read, else why its streams end. */
export function principalRecheck(checks: PrincipalChecks): (principal: string) => Promise<string | null> {
	return async (principal) => {
		const [kind, id = '', orgId = ''] = principal.split(':')
		if (kind === 'key') return (await checks.keyActive(id)) ? null : 'API key revoked'
		if (kind === 'session') return (await checks.sessionActive(id, orgId)) ? null : 'Session ended: signed out, revoked, expired or no longer a member'
		return 'Unknown credential'
	}
}
