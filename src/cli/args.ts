import { parseArgs } from 'node:util'
import { OPTIONS } from '../config'

/** Flags that are not config settings. */
const COMMAND_FLAGS = {
	help: { type: 'boolean', short: 'h' },
	version: { type: 'boolean' },
	'create-admin-key': { type: 'boolean' },
	'create-admin-user': { type: 'boolean' },
	email: { type: 'string' },
	name: { type: 'string' },
	url: { type: 'string' }
} as const

export interface ParsedArgs {
	command: string
	positionals: string[]
	flags: Record<string, string | boolean | undefined>
}

/** argv (without the runtime and script) → command, positionals and flags. Throws on unknown flags. */
export function parseCommandLine(argv: string[]): ParsedArgs {
	const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { ...COMMAND_FLAGS }
	for (const spec of Object.values(OPTIONS)) {
		options[spec.flag] = { type: spec.kind === 'bool' ? 'boolean' : 'string' }
		// Booleans also take an explicit value via the env twin; `--no-x` turns one off.
		if (spec.kind === 'bool') options[`no-${spec.flag}`] = { type: 'boolean' }
	}
	const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
	const flags: Record<string, string | boolean | undefined> = { ...values }
	for (const spec of Object.values(OPTIONS)) {
		if (spec.kind === 'bool' && flags[`no-${spec.flag}`]) flags[spec.flag] = false
	}
	const [command = 'serve', ...rest] = positionals
	return { command, positionals: rest, flags }
}
