import type { Backend } from '../store'
import { createHmac } from 'node:crypto'
import { betterAuth } from 'better-auth'
import { APIError } from 'better-auth/api'
import { organization } from 'better-auth/plugins/organization'
import { adminAc, defaultAc, memberAc, ownerAc } from 'better-auth/plugins/organization/access'
import { randomHex } from '../lib/crypto'
import { SINGLE_LINE_TEXT, TEXT_PATTERN_MESSAGE } from '../lib/text'
import { MIN_PASSWORD_LENGTH } from './constants'
import { BunSqlDialect } from './kysely-bun-sql'


/** Ids in our style (`usr_<32hex>`, …) instead of Better Auth's random 32-char strings. */
const ID_PREFIX: Record<string, string> = {
	user: 'usr_', session: 'ses_', account: 'acc_', verification: 'ver_', organization: 'org_', member: 'mem_', invitation: 'inv_'
}

/** Viewers read only; the plugin needs the role declared so its checks know the name. */
const viewerAc = defaultAc.newRole({ organization: [], member: [], invitation: [], team: [], ac: [] })

const PLAIN = new RegExp(SINGLE_LINE_TEXT)

/** A person's name follows the rule of every name in the API (L9): sign-up and update-user write it too. */
function checkName(user: { name?: unknown }): void {
	if (typeof user.name === 'string' && !PLAIN.test(user.name)) throw new APIError('BAD_REQUEST', { message: `Invalid body: 'name' ${TEXT_PATTERN_MESSAGE}` })
}

export interface AuthOptions {
	/** 32 bytes of server secret; the session cookie's HMAC key is derived from it. */
	secretKey: Buffer
	allowSignup: boolean
	/** The configured public URL, when there is one; else Better Auth derives it per request. */
	baseUrl: string | null
}

/**
 * SQLite: Better Auth's own bun:sqlite dialect on our handle. PostgreSQL: Kysely's
 * PostgreSQL dialect over our Bun.SQL pool, with transactions as on SQLite.
 */
function databaseOf(backend: Backend) {
	if (backend.kind === 'sqlite') return backend.db
	return { dialect: new BunSqlDialect(backend.pg.sql), type: 'postgres' as const, transaction: true }
}

export function createBetterAuth(backend: Backend, opts: AuthOptions) {
	return betterAuth({
		database: databaseOf(backend),
		// A separate key from the one that seals secrets at rest, derived so there is one file to keep.
		secret: createHmac('sha256', opts.secretKey).update('hookstream better-auth session v1').digest('base64'),
		...(opts.baseUrl ? { baseURL: opts.baseUrl } : {}),
		telemetry: { enabled: false },
		logger: { disabled: true },
		emailAndPassword: { enabled: true, disableSignUp: !opts.allowSignup, minPasswordLength: MIN_PASSWORD_LENGTH, autoSignIn: true },
		databaseHooks: {
			user: {
				create: { before: async (user) => checkName(user) },
				update: { before: async (user) => checkName(user) }
			}
		},
		// Our own limiter counts failed sign-ins (src/accounts/rate-limit.ts); Better Auth's needs a client IP.
		rateLimit: { enabled: false },
		advanced: {
			// Keep the documented cookie name over HTTPS too; the Secure flag is added per request instead.
			useSecureCookies: false,
			database: {
				generateId: ({ model }: { model: string }) => (ID_PREFIX[model] ?? '') + randomHex(16)
			}
		},
		plugins: [
			organization({
				// The plugin's AccessControl type does not accept its own defaultAc's literal type.
				ac: defaultAc as never,
				roles: { owner: ownerAc, admin: adminAc, member: memberAc, viewer: viewerAc },
				// Organizations are made with their environments by hookstream itself (first user, sign-up).
				allowUserToCreateOrganization: false,
				disableOrganizationDeletion: true
			})
		]
	})
}

export type BetterAuth = ReturnType<typeof createBetterAuth>

/** Better Auth, built on first use (see src/accounts/index.ts). */
export type AuthLoader = () => Promise<BetterAuth>
