import type { ApiKeyService } from '../auth/service'
import type { Config } from '../config'
import type { Store } from '../store'
import type { Clock } from '../lib/clock'
import { ApiKeyAdmin } from './api-keys'
import type { AuthLoader, BetterAuth } from './better-auth'
import { DeviceFlow } from './device'
import { Members } from './members'
import { AccountOverview } from './overview'
import { SignInLimiter } from './rate-limit'
import { SessionResolver } from './sessions'
import { Users } from './users'

/** Failed sign-ins allowed per account per window before 429. */
export const SIGN_IN_MAX_FAILURES = 5
export const SIGN_IN_WINDOW_MS = 15 * 60_000

/** People, sessions, teams and device login, over one Better Auth instance. */
export interface Accounts {
	/** Better Auth, loaded and built on first use. */
	auth: AuthLoader
	users: Users
	sessions: SessionResolver
	members: Members
	devices: DeviceFlow
	signIn: SignInLimiter
	overview: AccountOverview
	apiKeys: ApiKeyAdmin
}

export function createAccounts(store: Store, keys: ApiKeyService, clock: Clock, config: Readonly<Config>, secretKey: Buffer): Accounts {
	// Loaded on the first sign-in or cookie request, not at start: importing and building Better Auth
	// costs ~45 ms, which API-key-only servers (and every CLI one-shot) would otherwise pay at startup.
	let built: Promise<BetterAuth> | null = null
	const auth: AuthLoader = () =>
		(built ??= import('./better-auth').then((m) => m.createBetterAuth(store.backend, { secretKey, allowSignup: config.allowSignup, baseUrl: config.publicUrl })))
	const users = new Users(auth, store.accounts, store.tenancy)
	return {
		auth,
		users,
		sessions: new SessionResolver(auth, store.accounts, store.tenancy),
		members: new Members(store.accounts, users, clock),
		devices: new DeviceFlow(store.accounts, keys, clock),
		signIn: new SignInLimiter(SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_MS, () => clock.now()),
		overview: new AccountOverview(store.accounts, store.tenancy, clock, config),
		apiKeys: new ApiKeyAdmin(keys)
	}
}
