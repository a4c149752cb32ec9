import { afterAll, describe, expect, it } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { startServer } from '../../src/cli/serve'
import { resolveConfig } from '../../src/config'
import { tempDir } from '../helpers'
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '../support/pg'

/**
 * The startup key check on whichever engine this run uses (encryption-key.test.ts covers the
 * SQLite key file in serve processes): a server given another key than the one its stored
 * secrets were sealed with refuses to start, naming where they are stored (never a password).
 */
const dir = tempDir('hookstream-sealed-')
const db: TestDatabase | null = TEST_PG_URL ? await createTestDatabase() : null
afterAll(async () => {
	await db?.drop()
	rmSync(dir, { recursive: true, force: true })
})

const start = (key: string) => {
	const store = db ? { 'database-url': db.url } : {}
	return startServer(resolveConfig({ port: '0', host: '127.0.0.1', 'data-dir': dir, 'log-level': 'silent', 'encryption-key': key, ...store }, {}))
}

describe('stored secrets and the encryption key', () => {
	const key = randomBytes(32).toString('base64')

	it('a source secret alone, then a destination credential alone, each make another key refused', async () => {
		let server = await start(key)
		const { key: apiKey } = await server.ctx.keys.createKey('t')
		const api = (method: string, path: string, body?: unknown) =>
			fetch(`${server.url}${path}`, { method, headers: { 'x-api-key': apiKey, 'content-type': 'application/json' }, body: JSON.stringify(body) })
		// Nothing sealed yet: any key starts.
		await server.stop()
		server = await start(randomBytes(32).toString('base64'))
		await server.stop()

		server = await start(key)
		const src = await api('POST', '/v1/sources', { name: 's', slug: 's', verification_type: 'hmac_sha256', verification_secret: 'sealed-me' })
		expect(src.status).toBe(201)
		await server.stop()
		const other = randomBytes(32).toString('base64')
		const refused = await start(other).then(() => null, (e: Error) => e)
		expect(refused?.message).toStartWith('the encryption key cannot open the secrets stored in ')
		expect(refused?.message).toContain(db ? new URL(db.url).pathname : dir)

		server = await start(key)
		const { source } = (await src.json()) as { source: { id: string } }
		expect((await api('DELETE', `/v1/sources/${source.id}`)).status).toBe(200)
		const dst = await api('POST', '/v1/destinations', { name: 'd', slug: 'd', url: 'https://example.com/h', auth_type: 'bearer', auth_config: { token: 'tok' } })
		expect(dst.status).toBe(201)
		await server.stop()
		expect(await start(other).then(() => null, (e: Error) => e.message)).toStartWith('the encryption key cannot open the secrets stored in ')
		server = await start(key)
		await server.stop()
	}, 30000)
})
