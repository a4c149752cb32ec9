/** The socket's remote address of a request, remembered by the server's fetch handler for routes that need it. */
const peers = new WeakMap<Request, string | null>()

export function rememberPeer(request: Request, ip: string | null): void {
	peers.set(request, ip)
}

export function peerOf(request: Request): string | null {
	return peers.get(request) ?? null
}

export const TEST_SESSION_PREFIXES = ['/v1/test/sessions', '/v1/agent/sessions'] as const

export function isTestSessionPath(path: string): boolean {
	return TEST_SESSION_PREFIXES.some((p) => path.startsWith(p))
}

/** Public routes rate limited per client address: test sessions and device codes. */
export function isPerAddressPath(path: string): boolean {
	return isTestSessionPath(path) || path === '/v1/auth/device/code'
}
