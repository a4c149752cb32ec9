import type { Config } from '../config'
import { type AppContext, createContext } from '../context'
import { AppError } from '../lib/errors'

type Out = (line: string) => void

/** The first line of stdin when it is piped (`echo "$PW" | hookstream --create-admin-user …`); null on a terminal or when empty. */
export async function passwordFromStdin(): Promise<string | null> {
	if (process.stdin.isTTY) return null
	const text = await Bun.stdin.text()
	const line = text.split(/\r?\n/)[0] ?? ''
	return line === '' ? null : line
}

/**
 * `--create-admin-user --email <e> [--name <n>]`: the owner of the default
 * organization. The password comes from stdin, or is generated and printed
 * once. Running it again for the same email changes nothing but membership.
 */
export async function createAdminUserCommand(config: Readonly<Config>, email: string | undefined, name: string | undefined, password: string | null, out: Out, err: Out): Promise<number> {
	if (!email) {
		err('Usage: hookstream --create-admin-user --email <email> [--name <name>]   (password on stdin, or one is generated)')
		return 2
	}
	const ctx = await createContext(config)
	try {
		let res: Awaited<ReturnType<typeof ctx.accounts.users.ensureAdmin>>
		try {
			res = await ctx.accounts.users.ensureAdmin(email, name, password ?? undefined, ctx.clock.now())
		} catch (e) {
			// A bad email or password is the user's to fix: one line, no stack.
			if (!(e instanceof AppError)) throw e
			err(`hookstream: ${e.message}`)
			return 1
		}
		const orgId = await ctx.accounts.users.defaultOrg(ctx.clock.now())
		if (!res.created) {
			out(`User ${res.user.email} (${res.user.id}) already exists and is a member of organization ${orgId}; password unchanged.`)
			return 0
		}
		out(`Created user ${res.user.email} (${res.user.id}), owner of organization ${orgId}.`)
		out('Sign in: POST /api/auth/sign-in/email {"email","password"}')
		if (res.password) {
			out('Generated password (shown only once):')
			out(res.password)
		}
		return 0
	} finally {
		await ctx.close()
	}
}

/** HOOKSTREAM_ADMIN_EMAIL + HOOKSTREAM_ADMIN_PASSWORD at serve (containers): idempotent; the password is never logged. */
export async function ensureAdminFromEnv(ctx: AppContext, env: Record<string, string | undefined>): Promise<void> {
	const email = env.HOOKSTREAM_ADMIN_EMAIL
	const password = env.HOOKSTREAM_ADMIN_PASSWORD
	if (!email && !password) return
	if (!email || !password) throw new Error('Set both HOOKSTREAM_ADMIN_EMAIL and HOOKSTREAM_ADMIN_PASSWORD (or neither)')
	const res = await ctx.accounts.users.ensureAdmin(email, env.HOOKSTREAM_ADMIN_NAME, password, ctx.clock.now())
	ctx.log.info(res.created ? 'admin user created from HOOKSTREAM_ADMIN_EMAIL' : 'admin user from HOOKSTREAM_ADMIN_EMAIL already exists', { user_id: res.user.id, email: res.user.email })
}
