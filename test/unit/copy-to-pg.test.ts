import { describe, expect, it } from 'bun:test'
import { ConvertError, type ConvertStats, converterFor } from '../../src/db/copy/convert'
import type { PgColumn, PgSchema } from '../../src/db/copy/pg-target'
import { planCopy } from '../../src/db/copy/plan'
import type { SqliteSource } from '../../src/db/copy/sqlite-source'
import { ConfigError } from '../../src/lib/errors'

/** The pure half of `migrate --to`: SQLite values → PostgreSQL parameters, and the schema match. */
const stats = (): ConvertStats => ({ nulReplaced: 0 })

describe('converterFor', () => {
	it('Better Auth booleans: 0/1 become false/true, anything else is refused', () => {
		const c = converterFor('boolean', stats())
		expect([c(0n), c(1n), c(0), c(1), c(null)]).toEqual([false, true, false, true, null])
		expect(() => c(2n)).toThrow(ConvertError)
	})

	it('Better Auth dates: ISO text (and epoch ms) become the same instant', () => {
		const c = converterFor('timestamp with time zone', stats())
		expect((c('2026-11-28T16:00:00.123Z') as Date).toISOString()).toBe('2026-11-28T16:00:00.123Z')
		expect((c(1764345600123n) as Date).getTime()).toBe(1764345600123)
		expect(() => c('yesterday')).toThrow(ConvertError)
	})

	it('bytes stay the very bytes; text in a BLOB column becomes its UTF-8 bytes', () => {
		const c = converterFor('bytea', stats())
		const raw = new Uint8Array([0, 0xff, 0xfe, 65])
		expect(c(raw)).toBe(raw)
		expect([...(c('é') as Uint8Array)]).toEqual([0xc3, 0xa9])
	})

	it('integers keep every digit (BigInt from SQLite passes through); fractions are refused', () => {
		const c = converterFor('bigint', stats())
		expect(c(9007199254740993n)).toBe(9007199254740993n)
		expect(c('42')).toBe(42n)
		expect(() => c(1.5)).toThrow(ConvertError)
		expect(converterFor('double precision', stats())(3n)).toBe(3)
	})

	it('text with NUL characters (which PostgreSQL text cannot hold) is counted and gets U+FFFD', () => {
		const s = stats()
		const c = converterFor('text', s)
		expect(c('plain')).toBe('plain')
		expect(c('a\0b\0')).toBe('a\uFFFDb\uFFFD')
		expect(s.nulReplaced).toBe(1)
	})
})

function fakeSource(tables: Record<string, { columns: string[]; rows: number }>): SqliteSource {
	const t = (name: string) => tables[name] ?? { columns: [], rows: 0 }
	return {
		path: 'x', migrationsApplied: 0, tables: () => Object.keys(tables), columns: (n) => t(n).columns, count: (n) => t(n).rows,
		bytes: () => 0, rows: () => [][Symbol.iterator](), sealed: () => [], close() {}
	}
}

function schemaOf(tables: Record<string, Record<string, string>>): PgSchema {
	const col = (name: string, type: string): PgColumn => ({ name, type, identityAlways: false, sequence: false })
	return new Map(Object.entries(tables).map(([t, cols]) => [t, new Map(Object.entries(cols).map(([c, type]) => [c, col(c, type)]))]))
}

describe('planCopy', () => {
	it('pairs columns by name, finds BYTEA columns, lists tables only PostgreSQL has', () => {
		const plan = planCopy(
			fakeSource({ events: { columns: ['id', 'payload_inline'], rows: 3 } }),
			schemaOf({ events: { id: 'text', payload_inline: 'bytea', extra: 'bigint' }, destination_leases: { destination_id: 'text' } }),
			stats()
		)
		expect(plan.tables.map((t) => [t.table, t.columns.map((c) => c.name), t.bytea])).toEqual([['events', ['id', 'payload_inline'], ['payload_inline']]])
		expect(plan.pgOnly).toEqual(['destination_leases'])
	})

	it('refuses data PostgreSQL has no place for; an empty SQLite-only table is skipped', () => {
		const schema = schemaOf({ events: { id: 'text' } })
		expect(() => planCopy(fakeSource({ events: { columns: ['id', 'gone'], rows: 1 } }), schema, stats())).toThrow('column events.gone has no PostgreSQL twin')
		expect(() => planCopy(fakeSource({ events: { columns: ['id'], rows: 1 }, local: { columns: ['x'], rows: 2 } }), schema, stats())).toThrow(ConfigError)
		expect(planCopy(fakeSource({ events: { columns: ['id'], rows: 1 }, local: { columns: ['x'], rows: 0 } }), schema, stats()).tables).toHaveLength(1)
	})
})
