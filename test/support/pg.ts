import { connectPg } from '../../src/db/pg/client'
import { migratePg, PG_MIGRATIONS } from '../../src/db/pg/migrate'
import { randomHex } from '../../src/lib/crypto'

/**
 * The conformance run: with HOOKSTREAM_TEST_DATABASE_URL set (test/run-pg.ts sets it),
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

async function admin<T>(fn: (a: ReturnType<typeof connectPg>) => Promise<T>): Promise<T> {
	const a = connectPg(TEST_PG_URL as string, { max: 1 })
	try {
		return await fn(a)
	} finally {
		await a.close()
	}
}

function urlOf(name: string): string {
	const url = new URL(TEST_PG_URL as string)
	url.pathname = `/${name}`
	return url.toString()
}

let template: Promise<string> | null = null

/**
 * A database with every PostgreSQL migration applied, made once per server and migration set
 * (named by their hash), so each test database is a copy of it rather than a migration run:
 * that halves the cost of a test app on PostgreSQL. Built under a temporary name and renamed,
 * so two test processes sharing a server never copy a half-built one.
 */
function migratedTemplate(): Promise<string> {
	template ??= (async () => {
		const hash = new Bun.CryptoHasher('sha256').update(JSON.stringify(PG_MIGRATIONS)).digest('hex').slice(0, 16)
		const name = `hs_template_${hash}`
		if (await admin((a) => a.get('SELECT 1 FROM pg_database WHERE datname = $1', [name]))) return name
		const building = `${name}_${randomHex(4)}`
		await admin((a) => a.run(`CREATE DATABASE ${building}`))
		const pg = connectPg(urlOf(building), { max: 1 })
		try {
			await migratePg(pg)
		} finally {
			await pg.close()
		}
		await admin(async (a) => {
			// The migration's connection may still be closing server-side: a rename waits for it.
			for (let attempt = 1; ; attempt++) {
				try {
					await a.run(`ALTER DATABASE ${building} RENAME TO ${name}`)
					return
				} catch (err) {
					if (await a.get('SELECT 1 FROM pg_database WHERE datname = $1', [name])) {
						await a.run(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`) // another process made it first
						return
					}
					if (attempt >= 50) throw err
					await Bun.sleep(100)
				}
			}
		})
		return name
	})()
	template.catch(() => {
		template = null
	})
	return template
}

/**
 * Creates a database named for this test app; `drop()` removes it (connections forced off).
 * Empty by default; `migrated` copies it from a template with every migration applied.
 */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
	if (!TEST_PG_URL) throw new Error('HOOKSTREAM_TEST_DATABASE_URL is not set')
	const name = `hs_test_${randomHex(6)}`
	const from = opts.migrated ? ` TEMPLATE ${await migratedTemplate()}` : ''
	await admin((a) => a.run(`CREATE DATABASE ${name}${from}`))
	return {
		url: urlOf(name),
		async drop() {
			await admin((a) => a.run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
		}
	}
}
