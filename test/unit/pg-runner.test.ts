import { describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { connectPg } from '../../src/db/pg/client'
import { asClusterOwner, findPgBinaries, startThrowawayPg } from '../support/pg-server'

/**
 * The PostgreSQL half of `npm test` (test/run-pg.ts) and its throwaway cluster. Under CI=true
 * these need PostgreSQL's binaries like the half itself does: no skip there.
 */
const RUNNER = join(import.meta.dir, '..', 'run-pg.ts')
const BIN = findPgBinaries()
const CI = process.env.CI === 'true' || process.env.CI === '1'

/** The runner's environment: this run's database URL and CI removed, then `env` on top. */
function runnerEnv(env: Record<string, string>): Record<string, string> {
	const base: Record<string, string> = {}
	for (const [k, v] of Object.entries(process.env)) {
		if (v !== undefined && k !== 'HOOKSTREAM_TEST_DATABASE_URL' && k !== 'CI' && k !== 'HOOKSTREAM_PG_BIN') base[k] = v
	}
	return { ...base, ...env }
}

async function runner(args: string[], env: Record<string, string> = {}) {
	const proc = Bun.spawn([process.execPath, RUNNER, ...args], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: runnerEnv(env) })
	const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
	return { stdout, stderr, code }
}

async function answers(url: string): Promise<boolean> {
	const pg = connectPg(url, { max: 1 })
	try {
		return (await pg.get<{ one: number }>('SELECT 1 AS one'))?.one === 1
	} catch {
		return false
	} finally {
		await pg.close().catch(() => {})
	}
}

describe('test/run-pg.ts without PostgreSQL binaries', () => {
	const missing = { HOOKSTREAM_PG_BIN: '/nonexistent/postgresql/bin' }

	test('under CI=true it fails, saying what is missing and how to get it, and runs nothing', async () => {
		const r = await runner(['--exec', 'sh', '-c', 'echo ran'], { ...missing, CI: 'true' })
		expect(r.code).toBe(1)
		expect(r.stdout).not.toContain('ran')
		expect(r.stderr).toContain('FAIL: the PostgreSQL half of the test suite cannot run')
		expect(r.stderr).toContain('no PostgreSQL binaries (initdb, pg_ctl)')
		expect(r.stderr).toContain('apt-get install postgresql')
	})

	test('elsewhere it skips the half with a loud notice and exit 0', async () => {
		const r = await runner(['--exec', 'sh', '-c', 'echo ran; exit 3'], missing)
		expect(r.code).toBe(0)
		expect(r.stdout).not.toContain('ran')
		expect(r.stderr).toContain('THE POSTGRESQL HALF OF THE TEST SUITE WAS SKIPPED')
		expect(r.stderr).toContain('Under CI=true this is a failure')
	})

	test('a given HOOKSTREAM_TEST_DATABASE_URL is used as it is: no binaries needed, the exit code passed on', async () => {
		const r = await runner(['--exec', 'sh', '-c', 'echo "url=$HOOKSTREAM_TEST_DATABASE_URL"; exit 5'], { ...missing, CI: 'true', HOOKSTREAM_TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/given' })
		expect(r.stdout).toContain('url=postgres://postgres@127.0.0.1:1/given')
		expect(r.code).toBe(5)
	})
})

describe('runs initdb and postgres as the postgres user when root', () => {
	test('a non-root user runs them directly; root through runuser or su', () => {
		expect(asClusterOwner(['/x/initdb', '-D', '/t'], 1000)).toEqual(['/x/initdb', '-D', '/t'])
		const asRoot = asClusterOwner(['/x/initdb', '-D', "/t/it's"], 0)
		if (asRoot[0] === 'runuser') expect(asRoot).toEqual(['runuser', '-u', 'postgres', '--', '/x/initdb', '-D', "/t/it's"])
		else expect(asRoot).toEqual(['su', 'postgres', '-s', '/bin/sh', '-c', `'/x/initdb' '-D' '/t/it'\\''s'`])
	})
})

// Under CI a missing binary makes these fail (BIN is null), never skip.
describe.skipIf(!BIN && !CI)('a throwaway cluster', () => {
	test('listens on loopback only, without durability, and is removed by stop()', async () => {
		const pg = await startThrowawayPg(BIN as string)
		try {
			const c = connectPg(pg.url, { max: 1 })
			const show = async (name: string) => (await c.get<Record<string, string>>(`SHOW ${name}`))?.[name]
			expect([await show('listen_addresses'), await show('unix_socket_directories'), await show('fsync')]).toEqual(['127.0.0.1', '', 'off'])
			await c.close()
			expect(existsSync(join(pg.dir, 'data', 'PG_VERSION'))).toBe(true)
		} finally {
			await pg.stop()
		}
		expect(existsSync(pg.dir)).toBe(false)
		expect(await answers(pg.url)).toBe(false)
		await pg.stop() // twice is harmless
	}, 30000)

	test('the runner hands the command its URL, passes on its failure and removes the cluster', async () => {
		const r = await runner(['--exec', 'sh', '-c', 'echo "url=$HOOKSTREAM_TEST_DATABASE_URL"; exit 7'])
		expect(r.code).toBe(7)
		const url = /url=(\S+)/.exec(r.stdout)?.[1] as string
		expect(url).toStartWith('postgres://postgres@127.0.0.1:')
		const dir = /data in (\S+),/.exec(r.stderr)?.[1] as string
		expect(existsSync(dir)).toBe(false)
		expect(await answers(url)).toBe(false)
	}, 30000)

	test('SIGTERM to the runner stops the command and the cluster (exit 143)', async () => {
		const proc = Bun.spawn([process.execPath, RUNNER, '--exec', 'sh', '-c', 'echo "url=$HOOKSTREAM_TEST_DATABASE_URL"; exec sleep 60'], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: runnerEnv({}) })
		const reader = proc.stdout.getReader()
		let out = ''
		while (!out.includes('\n')) {
			const { value, done } = await reader.read()
			if (done) break
			out += new TextDecoder().decode(value)
		}
		const url = /url=(\S+)/.exec(out)?.[1] as string
		expect(await answers(url)).toBe(true)
		proc.kill('SIGTERM')
		expect(await proc.exited).toBe(143)
		const dir = /data in (\S+),/.exec(await new Response(proc.stderr).text())?.[1] as string
		expect(existsSync(dir)).toBe(false)
		expect(await answers(url)).toBe(false)
	}, 30000)
})
