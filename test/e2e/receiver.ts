import type { Server } from 'bun'

export interface Received {
	method: string
	path: string
	headers: Record<string, string>
	body: string
	at: number
}

type Reply = { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number }

/**
 * A real HTTP receiver on loopback that records every request. Replies come
 * from a script (one per request, in order) and then from the default.
 */
export class Receiver {
	readonly received: Received[] = []
	#script: Reply[] = []
	#default: Reply = { status: 200, body: 'ok' }
	#waiters: { n: number; resolve: () => void }[] = []
	readonly server: Server<undefined>

	constructor() {
		this.server = Bun.serve({
			port: 0,
			hostname: '127.0.0.1',
			fetch: async (req) => {
				const url = new URL(req.url)
				this.received.push({ method: req.method, path: url.pathname + url.search, headers: Object.fromEntries(req.headers), body: await req.text(), at: Date.now() })
				this.#notify()
				const reply = this.#script.shift() ?? this.#default
				if (reply.delayMs) await Bun.sleep(reply.delayMs)
				return new Response(reply.body ?? '', { status: reply.status ?? 200, headers: reply.headers })
			}
		})
	}

	get url(): string {
		return `http://127.0.0.1:${this.server.port}`
	}

	/** The next requests get these replies, in order. */
	script(...replies: Reply[]): this {
		this.#script.push(...replies)
		return this
	}

	/** Every request after the script gets this reply. */
	otherwise(reply: Reply): this {
		this.#default = reply
		return this
	}

	#notify(): void {
		this.#waiters = this.#waiters.filter((w) => {
			if (this.received.length >= w.n) w.resolve()
			return this.received.length < w.n
		})
	}

	/** Resolves once `n` requests in total have arrived (fails after `timeoutMs`). */
	async waitFor(n: number, timeoutMs = 10000): Promise<Received[]> {
		if (this.received.length < n) {
			await Promise.race([
				new Promise<void>((resolve) => this.#waiters.push({ n, resolve })),
				Bun.sleep(timeoutMs).then(() => {
					throw new Error(`receiver got ${this.received.length} of ${n} requests within ${timeoutMs} ms`)
				})
			])
		}
		return this.received
	}

	stop(): Promise<void> {
		return this.server.stop(true)
	}
}
