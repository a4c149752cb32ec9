/**
 * The PostgreSQL half of `npm test`: the same suite again, every test app on its own database
 * of a PostgreSQL server (test/support/pg.ts reads HOOKSTREAM_TEST_DATABASE_URL).
 *
 *   bun test/run-pg.ts [bun test arguments…]   the suite (or the files named) on PostgreSQL
 *   bun test/run-pg.ts --exec <command…>        any command with HOOKSTREAM_TEST_DATABASE_URL set
 *
 * The server: HOOKSTREAM_TEST_DATABASE_URL when it is set, else a throwaway cluster
 * (test/support/pg-server.ts) removed at the end, also on failure or Ctrl-C. Without PostgreSQL
 * binaries the half is skipped with a loud notice, except under CI=true, where that is a failure.
 */
import { findPgBinaries, MISSING_BINARIES, startThrowawayPg } from './support/pg-server'

const ROOT = `${import.meta.dir}/..`
const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const

function commandFrom(args: string[]): string[] {
	if (args[0] === '--exec') return args.slice(1)
	return [process.execPath, 'test', ...args]
}

function banner(lines: string[]): void {
	const bar = '!'.repeat(100)
	console.error(['', bar, ...lines.map((l) => `!!  ${l}`), bar, ''].join('\n'))
}

/** A signal to this runner goes to the command, then the cluster stops (the handlers are in place before it starts). */
const state: { child: ReturnType<typeof Bun.spawn> | null; signalled: number } = { child: null, signalled: 0 }
for (const [name, n] of Object.entries(SIGNALS)) {
	process.on(name, () => {
		state.signalled ||= n
		state.child?.kill(name as NodeJS.Signals)
	})
}

async function runAgainst(url: string, command: string[]): Promise<number> {
	if (state.signalled) return 128 + state.signalled
	state.child = Bun.spawn(command, { cwd: ROOT, stdio: ['inherit', 'inherit', 'inherit'], env: { ...process.env, HOOKSTREAM_TEST_DATABASE_URL: url } })
	const code = await state.child.exited
	return state.signalled ? 128 + state.signalled : code
}

async function main(): Promise<number> {
	const command = commandFrom(process.argv.slice(2))
	const given = process.env.HOOKSTREAM_TEST_DATABASE_URL
	if (given) {
		console.error(`== on PostgreSQL at ${given.replace(/\/\/[^@/]*@/, '//…@')} (HOOKSTREAM_TEST_DATABASE_URL)`)
		return runAgainst(given, command)
	}
	const ci = process.env.CI === 'true' || process.env.CI === '1'
	const bin = findPgBinaries()
	if (!bin) {
		if (ci) {
			console.error(`FAIL: the PostgreSQL half of the test suite cannot run: ${MISSING_BINARIES}.`)
			console.error('Under CI=true this is a failure, not a skip: install Debian\'s postgresql package (apt-get install postgresql; .ci/run does),')
			console.error('set HOOKSTREAM_PG_BIN to the directory holding initdb and pg_ctl, or point HOOKSTREAM_TEST_DATABASE_URL at a server.')
			return 1
		}
		banner([
			'THE POSTGRESQL HALF OF THE TEST SUITE WAS SKIPPED: only SQLite was tested.',
			`Reason: ${MISSING_BINARIES}.`,
			'Fix: apt-get install postgresql (Debian), HOOKSTREAM_PG_BIN=<dir of initdb>, or HOOKSTREAM_TEST_DATABASE_URL=postgres://…',
			'Under CI=true this is a failure.'
		])
		return 0
	}
	const started = performance.now()
	const cluster = await startThrowawayPg(bin)
	console.error(`== on a throwaway PostgreSQL ${cluster.version} at ${cluster.url} (data in ${cluster.dir}, up in ${Math.round(performance.now() - started)} ms)`)
	try {
		return await runAgainst(cluster.url, command)
	} finally {
		await cluster.stop()
	}
}

main().then(
	(code) => process.exit(code),
	(err) => {
		console.error(`FAIL: the PostgreSQL half of the test suite: ${(err as Error).message}`)
		process.exit(1)
	}
)
