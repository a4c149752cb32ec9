import { readFileSync } from 'node:fs'
import type { Subprocess } from 'bun'
import { TRANSFORM_CHILD_ENV, type TransformAnswer, type TransformJob } from './transform-child'
import { TRANSFORM_TIMEOUT_MS, TransformError, TransformSyntaxError } from './transform-eval'

/*
 * Transforms run in child processes, never in the server: JSONata only checks its
 * time limit between steps, and one step can run for ever (a regex that backtracks
 * on the sender's payload) or allocate gigabytes (`$pad("", 5e7)`). A worker
 * thread is not enough: terminating it does not stop a regex running in native
 * code. A child that overruns its hard deadline or memory limit is killed
 * (SIGKILL) and a fresh one is started for the next job.
 */

export interface TransformPoolOptions {
	/** Child processes (transforms evaluated at once). */
	size: number
	/** Past this the child is killed; a little above JSONata's own step-checked limit. */
	hardTimeoutMs: number
	/** Growth of a child's resident memory during one job past which it is killed (read from /proc: Linux only). */
	memoryLimitBytes: number
	/** How often a busy child's memory is read. */
	sampleMs: number
	/** A child idle this long exits (about 45 MB each); the next transform starts a new one. */
	idleMs: number
}

export const DEFAULT_POOL_OPTIONS: TransformPoolOptions = {
	size: 2,
	hardTimeoutMs: TRANSFORM_TIMEOUT_MS + 500,
	memoryLimitBytes: 256 * 1024 * 1024,
	sampleMs: 20,
	idleMs: 60_000
}

// The compiled binary runs itself in child mode (main.ts checks the variable); from source the
// child is a script next to this file.
const CHILD_COMMAND = import.meta.url.includes('/$bunfs/') ? [process.execPath] : [process.execPath, new URL('./transform-child.ts', import.meta.url).pathname]

interface Job {
	id: number
	expression: string
	input: unknown
	resolve(value: Record<string, unknown>): void
	reject(err: TransformError): void
	deadline: Timer | null
	/** The child's resident memory when the job was handed over (earlier jobs' heap included). */
	baseline: number
}

interface Slot {
	proc: Subprocess | null
	job: Job | null
	idle: Timer | null
}

/** Resident memory of a process in bytes; null where /proc is not available. */
function residentBytes(pid: number): number | null {
	try {
		const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
		return kb === undefined ? null : Number(kb) * 1024
	} catch {
		return null
	}
}

export class TransformPool {
	readonly #slots: Slot[]
	readonly #queue: Job[] = []
	#nextId = 1
	#watch: Timer | null = null
	/** Children killed for a deadline or the memory limit (observability and tests). */
	killed = 0

	constructor(private readonly opts: TransformPoolOptions = DEFAULT_POOL_OPTIONS) {
		this.#slots = Array.from({ length: Math.max(1, opts.size) }, () => ({ proc: null, job: null, idle: null }))
	}

	/** Process ids of the running children. */
	get pids(): number[] {
		return this.#slots.flatMap((s) => (s.proc ? [s.proc.pid] : []))
	}

	/** Jobs being evaluated now. */
	get busy(): number {
		return this.#slots.filter((s) => s.job).length
	}

	/** Evaluates `expression` over `input` (JSON data) in a child; rejects with a `TransformError`. */
	run(expression: string, input: unknown): Promise<Record<string, unknown>> {
		return new Promise((resolve, reject) => {
			this.#queue.push({ id: this.#nextId++, expression, input, resolve, reject, deadline: null, baseline: 0 })
			this.#dispatch()
		})
	}

	#dispatch(): void {
		for (const slot of this.#slots) {
			if (slot.job || this.#queue.length === 0) continue
			const job = this.#queue.shift() as Job
			slot.job = job
			if (slot.idle) clearTimeout(slot.idle)
			slot.idle = null
			const limit = new TransformError(`Transform stopped: it ran past its time limit of ${TRANSFORM_TIMEOUT_MS} ms`, 'time_limit')
			job.deadline = setTimeout(() => this.#kill(slot, limit), this.opts.hardTimeoutMs)
			const message: TransformJob = { id: job.id, expression: job.expression, input: job.input }
			try {
				const proc = this.#procOf(slot)
				proc.send(message)
				job.baseline = residentBytes(proc.pid) ?? 0
			} catch (err) {
				this.#kill(slot, new TransformError(`Transform could not start: ${err instanceof Error ? err.message : String(err)}`, 'transform_error'))
			}
		}
		if (this.#slots.some((s) => s.job) && !this.#watch) this.#watch = setInterval(() => this.#checkMemory(), this.opts.sampleMs)
	}

	#procOf(slot: Slot): Subprocess {
		if (slot.proc) return slot.proc
		const proc = Bun.spawn(CHILD_COMMAND, {
			// Nothing of the server's environment (keys, secrets) reaches the child.
			env: { [TRANSFORM_CHILD_ENV]: '1' },
			stdio: ['ignore', 'ignore', 'inherit'],
			serialization: 'advanced',
			ipc: (a: TransformAnswer) => this.#settle(slot, a.id, a.ok ? a.value : new (a.syntax ? TransformSyntaxError : TransformError)(a.message, a.code, a.position)),
			onExit: (_p, code, signal) => {
				if (slot.proc !== proc) return // killed on purpose: its job is already settled
				slot.proc = null
				const job = slot.job
				if (job) this.#settle(slot, job.id, new TransformError(`Transform process exited (${signal ?? code})`, 'transform_error'))
			}
		})
		// An idle pool must not keep the process alive; a pending job's deadline timer does meanwhile.
		proc.unref()
		slot.proc = proc
		return proc
	}

	#settle(slot: Slot, id: number, outcome: Record<string, unknown> | TransformError): void {
		const job = slot.job
		if (!job || job.id !== id) return
		if (job.deadline) clearTimeout(job.deadline)
		slot.job = null
		if (outcome instanceof TransformError) job.reject(outcome)
		else job.resolve(outcome)
		this.#idle()
		this.#dispatch()
		if (!slot.job && slot.proc && !slot.idle) {
			slot.idle = setTimeout(() => this.#retire(slot), this.opts.idleMs)
			slot.idle.unref()
		}
	}

	/** An idle child exits; memory comes back until transforms are needed again. */
	#retire(slot: Slot): void {
		slot.idle = null
		if (slot.job) return
		const proc = slot.proc
		slot.proc = null
		proc?.kill()
	}

	/** Kills the slot's child (a new one starts on demand) and fails its job. */
	#kill(slot: Slot, err: TransformError): void {
		const proc = slot.proc
		slot.proc = null
		proc?.kill('SIGKILL')
		this.killed++
		const job = slot.job
		if (job) this.#settle(slot, job.id, err)
	}

	#checkMemory(): void {
		for (const slot of this.#slots) {
			if (!slot.job || !slot.proc) continue
			const rss = residentBytes(slot.proc.pid)
			if (rss !== null && rss - slot.job.baseline > this.opts.memoryLimitBytes) {
				this.#kill(slot, new TransformError(`Transform stopped: it used more than the memory limit of ${Math.round(this.opts.memoryLimitBytes / 1048576)} MB`, 'memory_limit'))
			}
		}
		this.#idle()
	}

	#idle(): void {
		if (this.#watch && !this.#slots.some((s) => s.job)) {
			clearInterval(this.#watch)
			this.#watch = null
		}
	}

	/** Fails queued and running jobs and stops every child (shutdown). */
	close(): void {
		const err = new TransformError('Transform pool closed', 'transform_error')
		for (const job of this.#queue.splice(0)) job.reject(err)
		for (const slot of this.#slots) {
			if (slot.idle) clearTimeout(slot.idle)
			slot.idle = null
			const proc = slot.proc
			slot.proc = null
			proc?.kill('SIGKILL')
			const job = slot.job
			if (job) this.#settle(slot, job.id, err)
		}
		this.#idle()
	}
}
