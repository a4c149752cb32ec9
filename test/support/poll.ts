/** How `until` waits: what it awaits (named in the failure), for how long, how often it looks. */
export interface PollOptions {
	what?: string
	/** Default 10 s: a condition that never holds fails the test, it just takes this long to say so. */
	timeoutMs?: number
	everyMs?: number
	/** More to say on failure: the log or messages seen so far. */
	detail?: () => string
}

type Found<T> = Exclude<T, false | null | undefined>

/**
 * The one poll of the test suite: calls `check` every `everyMs` until it gives something other
 * than false, null or undefined (a boolean condition: true) and returns that; throws once
 * `timeoutMs` has passed. A test that waits for something to happen waits with this, never
 * with a fixed sleep. `opts` may be just the `what`.
 */
export async function until<T>(check: () => T | Promise<T>, opts: PollOptions | string = {}): Promise<Found<T>> {
	const { what = 'condition', timeoutMs = 10_000, everyMs = 10, detail } = typeof opts === 'string' ? { what: opts } : opts
	const started = Date.now()
	for (;;) {
		const value = await check()
		if (value !== false && value !== null && value !== undefined) return value as Found<T>
		if (Date.now() - started > timeoutMs) throw new Error(`${what}: not met within ${timeoutMs} ms${detail ? `\n${detail()}` : ''}`)
		await Bun.sleep(everyMs)
	}
}
