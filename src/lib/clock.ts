/** Injected wherever time matters so tests can move it. */
export interface Clock {
	now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** Epoch ms (storage) → ISO 8601 with `Z` (wire). */
export function toIso(ms: number): string
export function toIso(ms: number | null): string | null
export function toIso(ms: number | null): string | null {
	return ms === null ? null : new Date(ms).toISOString()
}
