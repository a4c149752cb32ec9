import { describe, expect, it } from 'bun:test'
import { parseCommandLine } from '../../src/cli/args'
import { helpText } from '../../src/cli/help'
import { ConfigError, envName, OPTIONS, type OptionName, resolveConfig } from '../../src/config'

const BOOLEANS = (Object.keys(OPTIONS) as OptionName[]).filter((name) => OPTIONS[name].kind === 'bool')

function configOf(argv: string[], env: Record<string, string> = {}) {
	return resolveConfig(parseCommandLine(argv).flags, env)
}

describe('boolean flags', () => {
	it('there are boolean settings to check', () => {
		expect(BOOLEANS).toContain('accessLog')
		expect(BOOLEANS).toContain('allowPrivateDestinations')
		expect(BOOLEANS).toContain('allowSignup')
	})

	for (const name of BOOLEANS) {
		const flag = OPTIONS[name].flag
		const env = envName(name)
		it(`--${flag} switches on and off in every form, over its env twin`, () => {
			for (const [argv, expected] of [
				[[`--${flag}`], true],
				[[`--${flag}=true`], true],
				[[`--${flag}=1`], true],
				[[`--${flag}=on`], true],
				[[`--${flag}=false`], false],
				[[`--${flag}=0`], false],
				[[`--${flag}=no`], false],
				[[`--no-${flag}`], false],
				[[`--${flag}`, `--no-${flag}`], false],
				[[`--no-${flag}`, `--${flag}`], true],
				[[`--no-${flag}`, `--${flag}=yes`], true]
			] as const) {
				for (const envValue of ['true', 'false']) {
					expect({ argv, envValue, value: configOf([...argv], { [env]: envValue })[name] }).toEqual({ argv, envValue, value: expected })
				}
			}
			expect(configOf([], { [env]: 'false' })[name]).toBe(false)
			expect(configOf([], { [env]: 'true' })[name]).toBe(true)
			expect(configOf([])[name]).toBe(OPTIONS[name].default)
		})

		it(`--${flag}=<nonsense> is refused with a clear message`, () => {
			expect(() => parseCommandLine([`--${flag}=maybe`])).toThrow(ConfigError)
			expect(() => parseCommandLine([`--${flag}=maybe`])).toThrow(`--${flag}: expected true or false, got "maybe"`)
		})

		it(`--help shows both ways to switch --${flag}`, () => {
			expect(helpText()).toContain(`--${flag}[=true|false], --no-${flag}`)
		})
	}

	it('string flags keep their values', () => {
		const { flags } = parseCommandLine(['serve', '--port=9000', '--data-dir', '/tmp/x'])
		expect(flags).toMatchObject({ port: '9000', 'data-dir': '/tmp/x' })
		expect(flags['no-access-log']).toBeUndefined()
	})
})
