import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers'
import { run, SOURCE_CLI, startProcess } from './process'

/**
 * `hookstream migrate --to` refuses before it touches PostgreSQL: while a server uses the data
 * dir, with a key that cannot open the install's secrets, without any key, without a database.
 * None of this needs a PostgreSQL server (the target below listens nowhere), so it runs on every
 * backend; the copy itself is test/e2e/migrate-to-pg.test.ts.
 */
const ADMIN_KEY = `hs_live_${'ab'.repeat(32)}`
const NOWHERE = 'postgres://hookstream@127.0.0.1:1/nowhere'
let dir: string
let sourceId: string

const serve = (extra: string[] = []) =>
	startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--no-access-log', ...extra], { HOOKSTREAM_ADMIN_KEY: ADMIN_KEY })
const migrateTo = (to: string, extra: string[] = []) => run([...SOURCE_CLI, 'migrate', '--to', to, '--data-dir', dir, ...extra])

/** Exit 2 and one line on stderr (no stack trace) that contains `text`. */
function expectRefused(out: { code: number; stderr: string }, text: string) {
	expect(out.code).toBe(2)
	const lines = out.stderr.trim().split('\n')
	expect(lines).toHaveLength(1)
	expect(lines[0]).toContain(text)
}

beforeAll(async () => {
	dir = tempDir('hookstream-migrate-to-')
	const server = await serve()
	try {
		const res = await fetch(`${server.url}/v1/sources`, {
			method: 'POST', headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
			body: JSON.stringify({ name: 'sealed', slug: 'sealed', verification_enabled: true, verification_type: 'basic_auth', verification_secret: 'hook:s3cret-pass' })
		})
		expect(res.status).toBe(201)
		sourceId = ((await res.json()) as { source: { id: string } }).source.id
		// A server holds the database open, idle or not: the copy would miss what it writes next.
		expectRefused(await migrateTo(NOWHERE), 'is in use by another process (a running hookstream server?): stop it first')
	} finally {
		await server.stop()
	}
}, 30000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('hookstream migrate --to: refusals', () => {
	it('a key that cannot open the stored secrets is refused, naming the key that can', async () => {
		const wrong = randomBytes(32).toString('base64')
		const out = await migrateTo(NOWHERE, ['--encryption-key', wrong])
		expectRefused(out, '--encryption-key does not open the secrets stored in')
		expect(out.stderr).toContain(`${join(dir, 'secret.key')} does, leave out --encryption-key`)
		expect(out.stderr).not.toContain(wrong)
	})

	it('the install\'s own key passes the check: the next step is the connection, whose failure is one line', async () => {
		const key = readFileSync(join(dir, 'secret.key'), 'utf8').trim()
		// The same URL as --database-url is no contradiction (a compose service's own environment).
		for (const extra of [[], ['--encryption-key', key], ['--encryption-key', key, '--database-url', NOWHERE]]) {
			const out = await migrateTo(NOWHERE, extra)
			expect(out.code).toBe(1)
			expect(out.stderr).toStartWith('hookstream: migrate --to failed, no row was copied:')
			expect(out.stderr).not.toContain('    at ')
		}
	})

	it('without secret.key and without --encryption-key there is no key to give the instances', async () => {
		const keyFile = join(dir, 'secret.key')
		renameSync(keyFile, `${keyFile}.moved`)
		try {
			expectRefused(await migrateTo(NOWHERE), 'no encryption key:')
		} finally {
			renameSync(`${keyFile}.moved`, keyFile)
		}
	})

	it('a data dir without a database, a target that is not PostgreSQL, --to outside migrate', async () => {
		const empty = tempDir('hookstream-migrate-to-empty-')
		try {
			expectRefused(await run([...SOURCE_CLI, 'migrate', '--to', NOWHERE, '--data-dir', empty]), 'no hookstream database in')
		} finally {
			rmSync(empty, { recursive: true, force: true })
		}
		expectRefused(await migrateTo('mysql://root@127.0.0.1/x'), '--to: expected postgres://')
		expectRefused(await migrateTo(NOWHERE, ['--database-url', 'postgres://other@127.0.0.1/other', '--encryption-key', randomBytes(32).toString('base64')]), 'leave out --database-url')
		expectRefused(await run([...SOURCE_CLI, 'serve', '--to', NOWHERE, '--data-dir', dir]), '--to belongs to `hookstream migrate')
	})

	it('after the refusals the install is untouched and serves its secret as before', async () => {
		const server = await serve()
		try {
			const basic = `Basic ${Buffer.from('hook:s3cret-pass').toString('base64')}`
			expect((await fetch(`${server.url}/v1/ingest/${sourceId}`, { method: 'POST', headers: { authorization: basic }, body: '{}' })).status).toBe(200)
		} finally {
			await server.stop()
		}
	})
})
