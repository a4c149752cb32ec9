/**
 * The storage floor (floor-server.ts) with its HTTP on worker threads: can the second core of
 * this machine carry what the floor's one thread does? Each of N workers
 * (threaded-floor-worker.ts) serves the port (SO_REUSEPORT), reads a request's body and header
 * map, and posts them to this thread once per event-loop turn; this thread group-commits them
 * into the floor's table (same pragmas, one batch in flight, flushed at the end of the turn)
 * and posts back which requests are stored, which the workers then answer.
 * Usage: bun bench/threaded-floor-server.ts <port> <data dir> [workers=1]
 * Measured beside the floor by `THREADED=1,2 bun bench/contract-floor.ts`.
 */
import type { StoredBatch } from './threaded-floor-worker'
import { floorTable } from './lib/wal'

const [port, dir, workerCount] = [Number(process.argv[2]), process.argv[3] ?? '.', Number(process.argv[4] ?? 1)]
const { db, insert } = floorTable(dir)
const commit = db.transaction((batches: StoredBatch[]) => {
	for (const b of batches) for (let i = 0; i < b.tags.length; i++) insert.run(b.receivedAt[i] as number, b.headers[i] as string, b.bodies[i] as Uint8Array)
})

const workers: Worker[] = []
let queue: { worker: number; batch: StoredBatch }[] = []
let busy = false
function flush(): void {
	const taken = queue
	queue = []
	commit.immediate(taken.map((q) => q.batch))
	busy = false
	const stored = new Map<number, number[]>()
	for (const q of taken) stored.set(q.worker, [...(stored.get(q.worker) ?? []), ...q.batch.tags])
	for (const [worker, tags] of stored) workers[worker]?.postMessage(tags)
}

let ready = 0
for (let w = 0; w < workerCount; w++) {
	const worker = new Worker(new URL('./threaded-floor-worker.ts', import.meta.url).href)
	worker.onmessage = (e: MessageEvent<StoredBatch | 'listening'>) => {
		if (e.data === 'listening') {
			if (++ready === workerCount) console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}`, workers: workerCount }))
			return
		}
		queue.push({ worker: w, batch: e.data })
		if (!busy) (busy = true), setImmediate(flush)
	}
	worker.postMessage({ port })
	workers.push(worker)
}
process.on('SIGTERM', () => process.exit(0))
