import { healthcheckCommand } from './cli/healthcheck'
import { migrateToPgCommand } from './cli/migrate-to-pg'
import { helpText } from './cli/help'
import { VERSION } from './lib/version'
import { createKeyCommand, listKeysCommand, revokeKeyCommand } from './cli/keys'
import { createAdminUserCommand, passwordFromStdin } from './cli/admin-user'
import { parseCommandLine } from './cli/args'
import { CLIENT_COMMANDS, runClient } from './cli/client'
import { startServer } from './cli/serve'
import { ConfigError, resolveConfig } from './config'
import { createContext } from './context'
import { lockDataDir } from './db/serve-lock'
import { runTransformChild, TRANSFORM_CHILD_ENV } from './delivery/transform-child'

const out = (line: string) => process.stdout.write(`${line}\n`)
const err = (line: string) => process.stderr.write(`${line}\n`)

/** argv → command. The only place that exits the process. */
async function main(argv: string[]): Promise<number | 'running'> {
	// The compiled binary is also its own transform sandbox (delivery/transform-pool.ts).
	if (process.env[TRANSFORM_CHILD_ENV] === '1') return runTransformChild(), 'running'
	// Client commands (login, listen, CRUD) talk to a server over HTTP and have their own flags.
	if (CLIENT_COMMANDS.has(argv[0] ?? '')) return runClient(argv)
	const args = parseCommandLine(argv)
	if (args.flags.help) return out(helpText()), 0
	if (args.flags.version) return out(VERSION), 0
	// Flags take no value after a space (`--access-log false` would leave the flag on): refuse strays.
	const takesArguments = args.command === 'keys'
	if (!takesArguments && args.positionals.length > 0) {
		err(`hookstream: unexpected argument '${args.positionals[0]}' (boolean flags take no separate value: use --<flag>=false or --no-<flag>)`)
		return 2
	}
	if (args.flags.to !== undefined && args.command !== 'migrate') return err('hookstream: --to belongs to `hookstream migrate --to postgres://…`'), 2
	const config = resolveConfig(args.flags)
	const name = typeof args.flags.name === 'string' ? args.flags.name : 'admin'
	if (args.flags['create-admin-key']) return createKeyCommand(config, name, out)
	if (args.flags['create-admin-user']) {
		const email = typeof args.flags.email === 'string' ? args.flags.email : undefined
		const userName = typeof args.flags.name === 'string' ? args.flags.name : undefined
		return createAdminUserCommand(config, email, userName, email ? await passwordFromStdin() : null, out, err)
	}
	switch (args.command) {
		case 'serve': {
			// Before anything opens the database: a second server must not migrate or deliver.
			const lock = config.databaseUrl ? null : lockDataDir(config.dataDir)
			const server = await startServer(config, process.env.HOOKSTREAM_ADMIN_KEY, process.env)
			const shutdown = () => void server.stop().then(() => (lock?.release(), process.exit(0)))
			process.once('SIGTERM', shutdown)
			process.once('SIGINT', shutdown)
			return 'running'
		}
		case 'keys': {
			const [sub, id] = args.positionals
			if (sub === 'list') return listKeysCommand(config, out)
			if (sub === 'create') return createKeyCommand(config, name, out)
			if (sub === 'revoke') return revokeKeyCommand(config, id, out, err)
			err('Usage: hookstream keys list | create [--name <name>] | revoke <id>')
			return 2
		}
		case 'healthcheck':
			return healthcheckCommand(config, typeof args.flags.url === 'string' ? args.flags.url : undefined, err)
		case 'migrate':
			if (typeof args.flags.to === 'string') return migrateToPgCommand(config, args.flags.to, out, err)
			await (await createContext(config)).close()
			out('Migrations applied.')
			return 0
		default:
			err(`Unknown command '${args.command}'. See hookstream --help.`)
			return 2
	}
}

main(process.argv.slice(2)).then(
	(code) => {
		if (code !== 'running') process.exit(code)
	},
	(e: unknown) => {
		// Config and usage mistakes are the user's to fix: one clear line, no stack.
		const known = e instanceof ConfigError || (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
		err(`hookstream: ${e instanceof Error ? e.message : String(e)}`)
		if (!known && e instanceof Error && e.stack) err(e.stack)
		process.exit(known ? 2 : 1)
	}
)
