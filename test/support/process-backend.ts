import { createTestDatabase, TEST_ENCRYPTION_KEY, TEST_PG_URL } from './pg'

export interface ProcessBackend {
	/** Environment for every spawned hookstream (one-shots and servers) that must share one store. */
	env: Record<string, string>
	drop(): Promise<void>
}

/**
 * The store for tests that spawn hookstream processes: on the conformance run
 * (HOOKSTREAM_TEST_DATABASE_URL) a fresh PostgreSQL database passed through the
 * environment, so `--data-dir` arguments stay as they are; else nothing (SQLite in the data dir).
 */
export async function processBackend(): Promise<ProcessBackend> {
	if (!TEST_PG_URL) return { env: {}, drop: async () => {} }
	const db = await createTestDatabase()
	return { env: { HOOKSTREAM_DATABASE_URL: db.url, HOOKSTREAM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }, drop: () => db.drop() }
}
