/** What a connection needs at ingest: where to, and whether an event passes its filters. */
export interface IngestRoute {
	connectionId: string
	destinationId: string
	matches(input: RouteInput): boolean
}

/** The facts filters may read (reference §3.3): parsed payload, lowercase headers, request metadata. */
export interface RouteInput {
	payload: unknown
	headers: Record<string, string>
	method: string
	content_type: string | null
	source_ip: string | null
}

/**
 * Active connections per source with their compiled filters, kept in memory:
 * routing an event costs no query. Dropped per source when a connection
 * changes, and whole when a destination changes (its status gates routing).
 */
export class RouteCache {
	readonly #entries = new Map<string, IngestRoute[]>()
	readonly #loading = new Map<string, Promise<IngestRoute[]>>()

	constructor(private readonly load: (sourceId: string) => Promise<IngestRoute[]>) {}

	peek(sourceId: string): IngestRoute[] | undefined {
		return this.#entries.get(sourceId)
	}

	async get(sourceId: string): Promise<IngestRoute[]> {
		const hit = this.#entries.get(sourceId)
		if (hit) return hit
		let loading = this.#loading.get(sourceId)
		if (!loading) {
			loading = this.load(sourceId).then((routes) => {
				// Only cache if no invalidation happened while loading.
				if (this.#loading.get(sourceId) === loading) this.#entries.set(sourceId, routes)
				this.#loading.delete(sourceId)
				return routes
			}, (err: unknown) => {
				this.#loading.delete(sourceId)
				throw err
			})
			this.#loading.set(sourceId, loading)
		}
		return loading
	}

	invalidate(sourceId: string): void {
		this.#entries.delete(sourceId)
		this.#loading.delete(sourceId)
	}

	clear(): void {
		this.#entries.clear()
		this.#loading.clear()
	}
}
