import { afterAll, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { tempDir } from '../helpers'
import { run, SOURCE_CLI } from './process'

const dir = tempDir()
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('boolean flags on the real command line', () => {
	it('--access-log=false and --no-access-log are accepted; a stray value after a space is refused with the way to do it', async () => {
		for (const flag of ['--access-log=false', '--no-access-log', '--allow-private-destinations=true', '--allow-private-destinations=off']) {
			const out = await run([...SOURCE_CLI, 'migrate', flag, '--data-dir', dir])
			expect({ flag, code: out.code, stderr: out.stderr }).toEqual({ flag, code: 0, stderr: '' })
		}
		const bad = await run([...SOURCE_CLI, 'migrate', '--access-log=perhaps', '--data-dir', dir])
		expect(bad.code).toBe(2)
		expect(bad.stderr).toContain('--access-log: expected true or false, got "perhaps"')
		const spaced = await run([...SOURCE_CLI, 'migrate', '--access-log', 'false', '--data-dir', dir])
		expect(spaced.code).toBe(2)
		expect(spaced.stderr).toContain('--<flag>=false or --no-<flag>')
	})
})
