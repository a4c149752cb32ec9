import type { Config } from '../config'

/** For Docker's HEALTHCHECK: asks the local server's /readyz, exits 0 only on 200. */
export async function healthcheckCommand(config: Readonly<Config>, url: string | undefined, err: (l: string) => void): Promise<number> {
	const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
	const target = url ?? `http://${host.includes(':') ? `[${host}]` : host}:${config.port}/readyz`
	try {
		const res = await fetch(target, { signal: AbortSignal.timeout(3000) })
		if (res.ok) return 0
		err(`not ready: ${target} answered ${res.status}`)
	} catch (e) {
		err(`not ready: ${target}: ${e instanceof Error ? e.message : String(e)}`)
	}
	return 1
}
