/**
 * A private PostgreSQL cluster for the benchmarks, DURABLE (fsync and synchronous_commit on,
 * stock settings otherwise), unlike the tests' throwaway cluster: a benchmark must pay the
 * same commit cost a real install does. BENCH_DATABASE_URL uses an existing server instead.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './tools'

export interface BenchPostgres {
	/** A URL for database `name` on the cluster (created on first use by createDatabase). */
	url(name: string): string
	createDatabase(name: string): Promise<string>
	stop(): Promise<void>
}

function pgBin(): string {
	const root = '/usr/lib/postgresql'
	const versions = readdirSync(root).sort((a, b) => Number(a) - Number(b))
	if (versions.length === 0) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql)')
	return join(root, versions.at(-1) as string, 'bin')
}

function asPostgres(cmd: string[]): string[] {
	return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...cmd] : cmd
}

function run(cmd: string[]): void {
	const r = Bun.spawnSync(asPostgres(cmd), { stdout: 'pipe', stderr: 'pipe' })
	if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr.toString()}`)
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
	const existing = process.env.BENCH_DATABASE_URL
	const admin = async (url: string, text: string) => {
		const sql = new Bun.SQL({ url, max: 1 })
		try {
			await sql.unsafe(text)
		} finally {
			await sql.close()
		}
	}
	if (existing) {
		const at = (name: string) => Object.assign(new URL(existing), { pathname: `/${name}` }).toString()
		return { url: at, async createDatabase(name) { await admin(existing, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); await admin(existing, `CREATE DATABASE ${name}`); return at(name) }, async stop() {} }
	}
	const dir = mkdtempSync(join(tmpdir(), 'hs-bench-pg-'))
	if (process.getuid?.() === 0) Bun.spawnSync(['chown', 'postgres', dir])
	const bin = pgBin()
	const port = await freePort()
	run([join(bin, 'initdb'), '-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8'])
	run([join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`, 'start'])
	const at = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`
	return {
		url: at,
		async createDatabase(name) {
			await admin(at('postgres'), `CREATE DATABASE ${name}`)
			return at(name)
		},
		async stop() {
			run([join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop'])
			rmSync(dir, { recursive: true, force: true })
		}
	}
}
