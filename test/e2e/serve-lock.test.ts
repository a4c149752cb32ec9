import { afterAll, describe, expect, it } from 'bun:test'
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { SERVE_LOCK_FILE } from '../../src/db/serve-lock'
import { tempDir } from '../helpers'
import { BACKEND } from '../support/pg'
import { type Running, run, SOURCE_CLI, startProcess } from './process'

/*
 * One `hookstream serve` per SQLite data dir (src/db/serve-lock.ts): a second server would
 * own every destination too (in memory on SQLite) and send each delivery twice.
 */
const dirs: string[] = []
const servers: Running[] = []
afterAll(async () => {
	for (const server of servers) if (server.proc.exitCode === null) await server.stop('SIGKILL') // a failed check left it running
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})
const start = async (dir: string): Promise<Running> => {
	const server = await startProcess(serve(dir))
	servers.push(server)
	return server
}
const serve = (dir: string) => [...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--log-level', 'info']

describe.skipIf(BACKEND === 'postgres')('one server per SQLite data dir', () => {
	it('refuses a second server on the same data dir with one clear line, and lets one start once the first stopped', async () => {
		const dir = tempDir('hookstream-serve-lock-')
		dirs.push(dir)
		const first = await start(dir)
		const second = await run(serve(dir), {}, 10000) // a second server that is not refused is killed, not left running
		expect(second.code).toBe(2)
		expect(second.stderr.trim()).toBe(`hookstream: another hookstream server is running on the data dir ${dir}: one server per SQLite data dir (stop it first; several instances need PostgreSQL, --database-url)`)
		expect(second.stdout).not.toContain('listening')
		// A one-shot command still runs next to the server.
		const keys = await run([...SOURCE_CLI, 'keys', 'list', '--data-dir', dir])
		expect(keys.code).toBe(0)
		expect(statSync(join(dir, SERVE_LOCK_FILE)).mode & 0o777).toBe(0o600)
		expect((await fetch(`${first.url}/readyz`)).status).toBe(200)
		expect(await first.stop()).toBe(0)
		const next = await start(dir)
		expect((await fetch(`${next.url}/readyz`)).status).toBe(200)
		expect(await next.stop()).toBe(0)
	}, 30000)

	it('starts after a server was killed with SIGKILL: the lock ends with its process', async () => {
		const dir = tempDir('hookstream-serve-lock-kill-')
		dirs.push(dir)
		const killed = await start(dir)
		expect(await killed.stop('SIGKILL')).not.toBe(0)
		const next = await start(dir)
		expect((await fetch(`${next.url}/readyz`)).status).toBe(200)
		expect(await next.stop()).toBe(0)
	}, 30000)
})
