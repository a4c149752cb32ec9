/** One HTTP thread of bench/threaded-floor-server.ts: requests go to the committing thread a turn at a time; each is answered once it is stored. */
import { FLOOR_ANSWER } from './lib/floor-answer'
declare const self: Worker

/** A turn's requests, as posted to the committing thread (`tags` name them in its answer). */
export interface StoredBatch {
	tags: number[]
	receivedAt: number[]
	headers: string[]
	bodies: Uint8Array[]
}

let nextTag = 0
const waiting = new Map<number, () => void>()
let turn: StoredBatch | null = null

function post(): void {
	const batch = turn as StoredBatch
	turn = null
	self.postMessage(batch)
}

self.onmessage = (e: MessageEvent<number[] | { port: number }>) => {
	if (Array.isArray(e.data)) {
		for (const tag of e.data) {
			waiting.get(tag)?.()
			waiting.delete(tag)
		}
		return
	}
	Bun.serve({
		port: e.data.port,
		hostname: '127.0.0.1',
		reusePort: true,
		async fetch(request) {
			if (request.method !== 'POST') return new Response('ok')
			const body = new Uint8Array(await request.arrayBuffer())
			const tag = nextTag++
			if (turn === null) {
				turn = { tags: [], receivedAt: [], headers: [], bodies: [] }
				setImmediate(post)
			}
			turn.tags.push(tag)
			turn.receivedAt.push(Date.now())
			turn.headers.push(JSON.stringify(Object.fromEntries(request.headers)))
			turn.bodies.push(body)
			await new Promise<void>((stored) => waiting.set(tag, stored))
			return new Response(FLOOR_ANSWER, { headers: { 'content-type': 'application/json' } })
		}
	})
	self.postMessage('listening')
}
