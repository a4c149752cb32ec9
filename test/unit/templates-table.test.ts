import { describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { BEGIN, END, renderTable, withTable } from '../../scripts/templates-table'
import { listTemplates } from '../../src/templates'

const README = join(import.meta.dir, '..', '..', 'README.md')

describe('README templates table', () => {
	it('is up to date with src/templates (run `bun run templates:table` after adding one)', async () => {
		const readme = await Bun.file(README).text()
		expect(withTable(readme)).toBe(readme)
	})

	it('lists every template once with its scheme and handshake', () => {
		const table = renderTable()
		for (const t of listTemplates()) {
			const rows = table.split('\n').filter((line) => line.split(' | ')[1] === `\`${t.slug}\``)
			expect({ slug: t.slug, rows: rows.length }).toEqual({ slug: t.slug, rows: 1 })
			expect(rows[0]).toContain(`\`${t.verification_type}\``)
			if (t.handshake) expect(rows[0]).toContain(`\`${t.handshake}\``)
		}
		expect(table.startsWith(BEGIN) && table.endsWith(END)).toBe(true)
	})

	it('notices a stale table and refuses a README without markers', () => {
		const stale = `intro\n${BEGIN}\n| old |\n${END}\noutro`
		expect(withTable(stale)).not.toBe(stale)
		expect(withTable(stale)).toStartWith('intro\n')
		expect(withTable(stale)).toEndWith('\noutro')
		expect(() => withTable('no markers here')).toThrow(/markers/)
	})
})
