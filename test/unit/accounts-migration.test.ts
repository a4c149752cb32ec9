import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { migrate } from '../../src/db/migrate'
import { sqliteSchemaBefore } from '../support/schema-before'

describe('migration 0005_accounts on an existing database', () => {
	it('gives every existing organization its Better Auth twin (same id, ISO date)', () => {
		const db = new Database(':memory:', { strict: true })
		sqliteSchemaBefore(db, 5)
		const created = Date.parse('2026-01-02T03:04:05.678Z')
		db.query('INSERT INTO organizations (id, name, created_at) VALUES (?1, ?2, ?3)').run('org_1', 'Acme', created)
		expect(migrate(db)).toBeGreaterThanOrEqual(1)
		expect(db.query('SELECT * FROM "organization"').all()).toEqual([
			{ id: 'org_1', name: 'Acme', slug: 'org_1', logo: null, createdAt: '2026-01-02T03:04:05.678Z', metadata: null }
		])
		// Idempotent: a second run applies nothing.
		expect(migrate(db)).toBe(0)
	})
})
