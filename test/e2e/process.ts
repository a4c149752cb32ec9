import type { Subprocess } from 'bun'
import { join } from 'node:path'
import { track } from '../support/children'

export const ROOT = join(import.meta.dir, '..', '..')
/** `bun src/main.ts …`: the CLI exactly as `npm start` runs it. */
export const SOURCE_CLI = [process.execPath, join(ROOT, 'src', 'main.ts')]

export interface Running {
	url: string
	proc: Subprocess<'ignore', 'pipe', 'pipe'>
	/** Every log line printed so far. */
	lines: string[]
	stop(signal?: NodeJS.Signals): Promise<number>
}

/** Starts a server command and resolves once it logs `listening`, with the URL it bound. */
export async function startProcess(cmd: string[], env: Record<string, string> = {}, timeoutMs = 15000): Promise<Running> {
	const proc = Bun.spawn(cmd, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: { ...process.env, ...env } })
	track(proc) // killed after the run if a failing test never stops it
	const lines: string[] = []
	const url = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`no 'listening' line within ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs)
		void (async () => {
			const decoder = new TextDecoder()
			let buffer = ''
			for await (const chunk of proc.stdout) {
				buffer += decoder.decode(chunk, { stream: true })
				let nl = buffer.indexOf('\n')
				while (nl >= 0) {
					const line = buffer.slice(0, nl)
					buffer = buffer.slice(nl + 1)
					lines.push(line)
					try {
						const parsed = JSON.parse(line) as { msg?: string; url?: string }
						if (parsed.msg === 'listening' && parsed.url) {
							clearTimeout(timer)
							resolve(parsed.url.replace('0.0.0.0', '127.0.0.1'))
						}
					} catch {}
					nl = buffer.indexOf('\n')
				}
			}
			clearTimeout(timer)
			reject(new Error(`process exited before listening:\n${lines.join('\n')}\n${await new Response(proc.stderr).text()}`))
		})()
	})
	return {
		url, proc, lines,
		async stop(signal = 'SIGTERM') {
			proc.kill(signal)
			return proc.exited
		}
	}
}

/** Runs a one-shot command to completion; past `killAfterMs` (when given) it is killed instead of left running. */
export async function run(cmd: string[], env: Record<string, string> = {}, killAfterMs?: number): Promise<{ code: number; stdout: string; stderr: string }> {
	const proc = Bun.spawn(cmd, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: { ...process.env, ...env } })
	const timer = killAfterMs === undefined ? null : setTimeout(() => proc.kill('SIGKILL'), killAfterMs)
	const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
	if (timer) clearTimeout(timer)
	return { code, stdout, stderr }
}
