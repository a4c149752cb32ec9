import { parseArgs } from 'node:util'
import { Api } from './api'
import { ClientError, resolveCredentials } from './config'
import { type CrudFlags, crud, RESOURCES } from './crud'
import { listen } from './listen'
import { login, logout, whoami } from './login'
import { createOutput } from './output'

/** Commands that talk to a hookstream server over HTTP instead of opening the database. */
export const CLIENT_COMMANDS = new Set(['login', 'logout', 'whoami', 'listen', ...Object.keys(RESOURCES)])

const OPTIONS = {
	'api-key': { type: 'string' },
	'base-url': { type: 'string' },
	json: { type: 'boolean' },
	'no-browser': { type: 'boolean' },
	'forward-to': { type: 'string', short: 'f' },
	format: { type: 'string' },
	'print-body': { type: 'boolean' },
	name: { type: 'string' },
	slug: { type: 'string' },
	template: { type: 'string' },
	url: { type: 'string' },
	source: { type: 'string' },
	destination: { type: 'string' },
	status: { type: 'string' },
	limit: { type: 'string' },
	data: { type: 'string' },
	help: { type: 'boolean', short: 'h' }
} as const

export const CLIENT_HELP = `Client commands (talk to a running server; credentials: --api-key > HOOKSTREAM_API_KEY > ~/.config/hookstream/config.json;
server: --base-url > HOOKSTREAM_URL > config file > http://localhost:8080):
  hookstream login [--api-key <key>] [--base-url <url>] [--no-browser]
  hookstream logout | whoami
  hookstream listen [<source id|slug>…] [--forward-to <url>] [--format pretty|json] [--print-body]
  hookstream sources|destinations|connections list|get <id>|create|delete <id>  [--name --slug --template --url --source --destination --data '<json>']
  hookstream events list [--status <s>] [--source <id>] | get <id> | retry <id>
  hookstream environments list
  (api-keys list|create|revoke and environments create need a signed-in owner or admin: the server refuses
   API keys there, so the CLI explains how instead; on the server host use \`hookstream keys …\`)
  Add --json for machine-readable output.`

/** Runs one client command; errors print the server's message and give a non-zero code. */
export async function runClient(argv: string[]): Promise<number> {
	const out = createOutput(argv.includes('--json'))
	try {
		const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
		const [command, ...rest] = positionals
		if (values.help || !command) return out.line(CLIENT_HELP), 0
		const creds = resolveCredentials(values)
		switch (command) {
			case 'login':
				return await login(values, creds, out)
			case 'logout':
				return logout(out)
			case 'whoami':
				return await whoami(creds, out)
			case 'listen':
				return await listen(new Api(creds), rest, values, out)
			default:
				return await crud(new Api(creds), command, rest[0], rest[1], values as CrudFlags, out)
		}
	} catch (err) {
		if (err instanceof ClientError) {
			out.error(err.message)
			return err.exitCode
		}
		if (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
			out.error(err.message)
			return 2
		}
		throw err
	}
}
