import { parseArgs } from 'node:util'
import { ConfigError, OPTIONS, parseBoolean } from '../config'

/** Flags that are not config settings. */
const COMMAND_FLAGS = {
	help: { type: 'boolean', short: 'h' },
	version: { type: 'boolean' },
	'create-admin-key': { type: 'boolean' },
	'create-admin-user': { type: 'boolean' },
	email: { type: 'string' },
	name: { type: 'string' },
	url: { type: 'string' },
	/** `migrate --to postgres://…`: the database to copy the SQLite install into. */
	to: { type: 'string' }
} as const

export interface ParsedArgs {
	command: string
	positionals: string[]
	flags: Record<string, string | boolean | undefined>
}

const BOOL_FLAGS = new Set(Object.values(OPTIONS).filter((spec) => spec.kind === 'bool').map((spec) => spec.flag as string))

/**
 * `--x=false` is not something node's parser accepts for a boolean, so each
 * boolean setting's `--x=<value>` is rewritten to `--x` or `--no-x` first, with
 * the same words the env twin accepts (true/false, 1/0, yes/no, on/off).
 */
function normaliseBooleans(argv: string[]): string[] {
	return argv.map((arg) => {
		const m = /^--([a-z-]+)=(.*)$/s.exec(arg)
		if (!m?.[1] || !BOOL_FLAGS.has(m[1])) return arg
		const on = parseBoolean(m[2] ?? '')
		if (on === undefined) throw new ConfigError(`--${m[1]}: expected true or false, got "${m[2]}"`)
		return on ? `--${m[1]}` : `--no-${m[1]}`
	})
}

/** argv (without the runtime and script) → command, positionals and flags. Throws on unknown flags. */
export function parseCommandLine(argv: string[]): ParsedArgs {
	const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { ...COMMAND_FLAGS }
	for (const spec of Object.values(OPTIONS)) {
		options[spec.flag] = { type: spec.kind === 'bool' ? 'boolean' : 'string' }
		if (spec.kind === 'bool') options[`no-${spec.flag}`] = { type: 'boolean' }
	}
	const { values, positionals, tokens } = parseArgs({ args: normaliseBooleans(argv), options, allowPositionals: true, strict: true, tokens: true })
	const flags: Record<string, string | boolean | undefined> = {}
	for (const [name, value] of Object.entries(values)) {
		if (!name.startsWith('no-') || !BOOL_FLAGS.has(name.slice(3))) flags[name] = value
	}
	// A boolean setting given several times (`--x --no-x`): the last one wins, as for every other flag.
	for (const token of tokens) {
		if (token.kind !== 'option') continue
		if (BOOL_FLAGS.has(token.name)) flags[token.name] = true
		else if (token.name.startsWith('no-') && BOOL_FLAGS.has(token.name.slice(3))) flags[token.name.slice(3)] = false
	}
	const [command = 'serve', ...rest] = positionals
	return { command, positionals: rest, flags }
}
