import { afterAll } from 'bun:test'
import type { Subprocess } from 'bun'

/**
 * Servers the tests started and that are still running. A test that fails between starting a
 * server and stopping it must not leave it behind: it would keep running, and loading the
 * machine, after the run. This file is preloaded (bunfig.toml), so its afterAll runs once, after
 * every test file.
 */
const running = new Set<Subprocess>()

export function track(proc: Subprocess): void {
	running.add(proc)
	void proc.exited.then(() => running.delete(proc))
}

function killAll(): void {
	for (const proc of running) proc.kill('SIGKILL')
}

afterAll(killAll)
// A run stopped early (Ctrl-C, a signal, --bail) skips afterAll.
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		killAll()
		process.exit(130)
	})
}
