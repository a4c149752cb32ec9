import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { until } from '../support/poll'

/**
 * Real local services for the provider tests (moto, RabbitMQ, librdkafka's mock cluster, the
 * Pub/Sub emulator): each is started by the test on a free port, waited for with a bound, and
 * stopped by its PID. A missing one skips its tests with one line locally; under CI=true it fails.
 */
export function serviceAvailable(name: string, present: boolean, install: string): boolean {
	if (present) return true
	if (process.env.CI === 'true') throw new Error(`${name} is required under CI=true but missing: ${install}`)
	console.log(`skipping ${name} tests: not installed (${install})`)
	return false
}

export const which = (bin: string, ...fallbacks: string[]) => Bun.which(bin) ?? fallbacks.find((p) => existsSync(p)) ?? null

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer()
		srv.unref()
		srv.on('error', reject)
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number }
			srv.close(() => resolve(port))
		})
	})
}

/** Polls `check` until it returns a value, at most `timeoutMs`; the error names what was awaited. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
	let last: unknown
	// A service not up yet refuses or throws: that is "not yet", and the last such error is told on failure.
	const attempt = () => check().catch((err: unknown) => ((last = err), undefined))
	const detail = () => (last ? `last error: ${last instanceof Error ? last.message : String(last)}` : '')
	return (await until(attempt, { what: `${what} ready`, timeoutMs, everyMs: 100, detail })) as T
}

/** A child process stopped by PID (SIGTERM, then SIGKILL after 5 s). */
export class Service {
	readonly stderr: string[] = []
	constructor(readonly proc: Bun.Subprocess<'ignore', 'pipe' | 'ignore', 'pipe'>) {
		void this.#drain()
	}

	async #drain(): Promise<void> {
		const decoder = new TextDecoder()
		for await (const chunk of this.proc.stderr as ReadableStream<Uint8Array>) this.stderr.push(decoder.decode(chunk))
	}

	static spawn(cmd: string[], env: Record<string, string> = {}): Service {
		return new Service(Bun.spawn(cmd, { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', env: { ...process.env, ...env } }))
	}

	async stop(): Promise<void> {
		if (this.proc.exitCode !== null || this.proc.signalCode !== null) return
		process.kill(this.proc.pid, 'SIGTERM')
		const killer = setTimeout(() => {
			try {
				process.kill(this.proc.pid, 'SIGKILL')
			} catch {}
		}, 5000)
		await this.proc.exited
		clearTimeout(killer)
	}
}
