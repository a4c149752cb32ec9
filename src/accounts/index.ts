import type { ApiKeyService } from '../auth/service'
import type { Config } from '../config'
import type { Store } from '../db/open'
import type { Clock } from '../lib/clock'
import { type BetterAuth, createBetterAuth } from './better-auth'
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
	auth: BetterAuth
	users: Users
	sessions: SessionResolver
	members: Members
	devices: DeviceFlow
	signIn: SignInLimiter
	overview: AccountOverview
}

export function createAccounts(store: Store, keys: ApiKeyService, clock: Clock, config: Readonly<Config>, secretKey: Buffer): Accounts {
	const auth = createBetterAuth(store.authDb, { secretKey, allowSignup: config.allowSignup, baseUrl: config.publicUrl })
	const users = new Users(auth, store.accounts, store.tenancy)
	return {
		auth,
		users,
		sessions: new SessionResolver(auth, store.accounts, store.tenancy),
		members: new Members(store.accounts, users, clock),
		devices: new DeviceFlow(store.accounts, keys, clock),
		signIn: new SignInLimiter(SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_MS, () => clock.now()),
		overview: new AccountOverview(store.accounts, store.tenancy, clock, config)
	}
}
