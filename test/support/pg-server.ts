import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { dirname, join } from 'node:path'

/**
 * A throwaway PostgreSQL cluster for the conformance run: Debian's binaries, `initdb` into a temp
 * dir, `pg_ctl` on a free loopback port, durability off (nothing here outlives the run), removed
 * at the end. Started in about a second (research/postgres.md §5).
 */

/** Where initdb and pg_ctl live: $HOOKSTREAM_PG_BIN, else the newest /usr/lib/postgresql/N/bin, else PATH. */
export function findPgBinaries(env: Record<string, string | undefined> = process.env): string | null {
	const usable = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))
	// An explicit directory is the only one looked at, so a wrong one is reported rather than papered over.
	if (env.HOOKSTREAM_PG_BIN) return usable(env.HOOKSTREAM_PG_BIN) ? env.HOOKSTREAM_PG_BIN : null
	const root = '/usr/lib/postgresql'
	const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
	for (const v of versions) {
		if (usable(join(root, v, 'bin'))) return join(root, v, 'bin')
	}
	const initdb = Bun.which('initdb')
	return initdb && usable(dirname(initdb)) ? dirname(initdb) : null
}

/** What the runner prints when no binaries are found. */
export const MISSING_BINARIES = 'no PostgreSQL binaries (initdb, pg_ctl) in $HOOKSTREAM_PG_BIN, /usr/lib/postgresql/*/bin or PATH'

export interface ThrowawayPg {
	/** postgres://postgres@127.0.0.1:<port>/postgres (trust auth, loopback only). */
	url: string
	port: number
	/** The temp dir holding the cluster's data and log; gone after stop(). */
	dir: string
	version: string
	/** Stops the server (immediate: nothing to keep) and removes the dir. Safe to call twice. */
	stop(): Promise<void>
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`

/**
 * initdb and postgres refuse to run as root: as root, run them as the `postgres` user
 * (Debian's package creates it), through runuser where it exists, else su.
 */
export function asClusterOwner(argv: string[], uid = process.getuid?.() ?? 0): string[] {
	if (uid !== 0) return argv
	if (Bun.which('runuser')) return ['runuser', '-u', 'postgres', '--', ...argv]
	return ['su', 'postgres', '-s', '/bin/sh', '-c', argv.map(shellQuote).join(' ')]
}

async function exec(argv: string[]): Promise<string> {
	const proc = Bun.spawn(argv, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
	const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
	if (code !== 0) throw new Error(`${argv.join(' ')} exited ${code}:\n${out}${err}`)
	return out
}

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer()
		srv.once('error', reject)
		srv.listen(0, '127.0.0.1', () => {
			const addr = srv.address()
			srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))))
		})
	})
}

/** The settings appended to postgresql.conf: loopback TCP only, no socket file, no durability. */
function settings(port: number): string {
	return [
		'',
		'# hookstream test run: a throwaway cluster',
		"listen_addresses = '127.0.0.1'",
		`port = ${port}`,
		"unix_socket_directories = ''",
		'fsync = off',
		'synchronous_commit = off',
		'full_page_writes = off',
		// Every test app opens its own pool on its own database; the shared dev server allows as many.
		'max_connections = 1000',
		''
	].join('\n')
}

/** Creates and starts a cluster; throws with initdb's or pg_ctl's output when that fails. */
export async function startThrowawayPg(binDir: string): Promise<ThrowawayPg> {
	const dir = mkdtempSync(join(tmpdir(), 'hookstream-pg-'))
	const data = join(dir, 'data')
	const root = (process.getuid?.() ?? 0) === 0
	let started = false
	const stop = async () => {
		if (started) {
			started = false
			await exec(asClusterOwner([join(binDir, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'])).catch(() => killPostmaster(data))
		}
		rmSync(dir, { recursive: true, force: true })
	}
	try {
		if (root) chownSync(dir, postgresIds().uid, postgresIds().gid)
		await exec(asClusterOwner([join(binDir, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']))
		const version = readFileSync(join(data, 'PG_VERSION'), 'utf8').trim()
		// Another process may take the port between the probe and the start: try a few.
		for (let attempt = 1; ; attempt++) {
			const port = await freePort()
			appendFileSync(join(data, 'postgresql.conf'), settings(port))
			try {
				await exec(asClusterOwner([join(binDir, 'pg_ctl'), '-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']))
				started = true
				return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, dir, version, stop }
			} catch (err) {
				if (attempt >= 3) throw new Error(`${(err as Error).message}\n${readLog(dir)}`)
			}
		}
	} catch (err) {
		await stop()
		throw err
	}
}

function readLog(dir: string): string {
	try {
		return readFileSync(join(dir, 'log'), 'utf8')
	} catch {
		return ''
	}
}

function postgresIds(): { uid: number; gid: number } {
	const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))
	if (!line) throw new Error(`running as root (${userInfo().username}) needs a 'postgres' user to own the cluster; Debian's postgresql package creates it`)
	const [, , uid, gid] = line.split(':')
	return { uid: Number(uid), gid: Number(gid) }
}

/** pg_ctl could not stop it: kill the postmaster from its pid file so no server outlives the run. */
function killPostmaster(data: string): void {
	try {
		const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
		if (pid > 0) process.kill(pid, 'SIGKILL')
	} catch {}
}
