/**
 * The storage floor (floor-server.ts) served by a minimal HTTP/1.1 reader on `Bun.listen` instead
 * of `Bun.serve`: the same durable work (received_at, headers JSON, raw body group-committed into one
 * table, answered after the commit, one batch in flight, flushed at the end of the event-loop turn),
 * without Bun's Request, Headers, body stream and Response objects. It prices Bun.serve's share of
 * the floor, not a server anyone should put on a network: it frames a request by its Content-Length
 * alone (none is an empty body; one that is not a number is taken as 0), trusts that framing and
 * keeps no limits. Usage: bun bench/raw-floor-server.ts <port> <data dir>
 */
import type { Socket } from 'bun'
import { FLOOR_ANSWER } from './lib/floor-answer'
import { floorTable } from './lib/wal'

const [port, dir] = [Number(process.argv[2] ?? 18084), process.argv[3] ?? '.']
const { db, insert } = floorTable(dir)
const commit = db.transaction((rows: [number, string, Uint8Array][]) => {
	for (const r of rows) insert.run(...r)
})
/** An unfinished request's bytes, and answer bytes the socket did not take yet. */
type Conn = { buffered: Buffer | null; unsent: Buffer | null }
let queue: { row: [number, string, Uint8Array]; socket: Socket<Conn> }[] = []
let busy = false
const answer = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${FLOOR_ANSWER.length}\r\n\r\n${FLOOR_ANSWER}`)
/** Writes `bytes` after any the socket has not taken yet; `drain` writes the rest. */
function send(socket: Socket<Conn>, bytes: Buffer): void {
	const out = socket.data.unsent ? Buffer.concat([socket.data.unsent, bytes]) : bytes
	const written = socket.write(out)
	socket.data.unsent = written < out.length ? Buffer.from(out.subarray(Math.max(0, written))) : null
}
function flush(): void {
	const batch = queue
	queue = []
	commit.immediate(batch.map((q) => q.row))
	busy = false
	for (const q of batch) send(q.socket, answer)
}
const HEAD_END = Buffer.from('\r\n\r\n')

/** Takes every whole request off the front of `data`; returns what is left of an unfinished one. */
function take(socket: Socket<Conn>, data: Buffer): Buffer | null {
	let at = 0
	for (;;) {
		const end = data.indexOf(HEAD_END, at)
		if (end < 0) break
		const head = data.toString('latin1', at, end)
		const lines = head.split('\r\n')
		const headers: Record<string, string> = {}
		let length = 0
		for (let i = 1; i < lines.length; i++) {
			const line = lines[i] as string
			const colon = line.indexOf(':')
			const name = line.slice(0, colon).toLowerCase()
			const value = line.slice(colon + 1).trim()
			headers[name] = value
			if (name === 'content-length') length = Number(value) || 0
		}
		const bodyStart = end + 4
		if (data.length < bodyStart + length) break
		const body = new Uint8Array(data.subarray(bodyStart, bodyStart + length))
		queue.push({ row: [Date.now(), JSON.stringify(headers), body], socket })
		if (!busy) (busy = true), setImmediate(flush)
		at = bodyStart + length
	}
	// A copy: the socket may reuse the chunk it handed over.
	return at === data.length ? null : Buffer.from(data.subarray(at))
}

Bun.listen<Conn>({
	hostname: '127.0.0.1',
	port,
	socket: {
		open(socket) {
			socket.data = { buffered: null, unsent: null }
		},
		drain(socket) {
			if (socket.data.unsent) send(socket, Buffer.alloc(0))
		},
		data(socket, chunk) {
			const data = socket.data.buffered ? Buffer.concat([socket.data.buffered, chunk]) : chunk
			socket.data.buffered = take(socket, data)
		}
	}
})
console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }))
