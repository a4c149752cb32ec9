import { connectPg } from '../../src/db/pg/client'
import { randomHex } from '../../src/lib/crypto'

/**
 * The conformance run: with HOOKSTREAM_TEST_DATABASE_URL set (scripts/test-pg.ts sets it),
 * every test app gets its own fresh database on that server, dropped when the app closes.
 * Unset, tests use SQLite in a temp dir as always.
 */
export const TEST_PG_URL = process.env.HOOKSTREAM_TEST_DATABASE_URL || null

/** Which backend this test run exercises (for the few tests that are about one engine only). */
export const BACKEND: 'sqlite' | 'postgres' = TEST_PG_URL ? 'postgres' : 'sqlite'

/** A fixed key: every PostgreSQL instance must be given one (config refuses --database-url without it). */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64')

export interface TestDatabase {
	url: string
	drop(): Promise<void>
}

/** Creates an empty database named for this test app; `drop()` removes it (connections forced off). */
export async function createTestDatabase(): Promise<TestDatabase> {
	if (!TEST_PG_URL) throw new Error('HOOKSTREAM_TEST_DATABASE_URL is not set')
	const name = `hs_test_${randomHex(6)}`
	const admin = connectPg(TEST_PG_URL, { max: 1 })
	try {
		await admin.run(`CREATE DATABASE ${name}`)
	} finally {
		await admin.close()
	}
	const url = new URL(TEST_PG_URL)
	url.pathname = `/${name}`
	return {
		url: url.toString(),
		async drop() {
			const a = connectPg(TEST_PG_URL as string, { max: 1 })
			try {
				await a.run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
			} finally {
				await a.close()
			}
		}
	}
}
