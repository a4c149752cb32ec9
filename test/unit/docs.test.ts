import { describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { envName, OPTIONS, type OptionName } from '../../src/config'

describe('README', () => {
	it('documents every flag with its environment twin', async () => {
		const readme = await Bun.file(join(import.meta.dir, '..', '..', 'README.md')).text()
		for (const name of Object.keys(OPTIONS) as OptionName[]) {
			expect(readme).toContain(`| \`--${OPTIONS[name].flag}\` | \`${envName(name)}\` |`)
		}
	})
})
