/**
 * One long-lived client per destination (a Kafka producer, an AMQP channel), made on first
 * use and shared by its attempts. Keyed by destination id and `updated_at`: a changed
 * destination never reuses a client built from its old settings.
 */
export class Pool<T> {
	readonly #clients = new Map<string, { version: number; client: Promise<T> }>()

	constructor(private readonly closeClient: (client: T) => Promise<void>) {}

	get(destinationId: string, version: number, open: () => Promise<T>): Promise<T> {
		const held = this.#clients.get(destinationId)
		if (held && held.version === version) return held.client
		if (held) void this.close(destinationId)
		const client = open()
		this.#clients.set(destinationId, { version, client })
		// A failed connect is not kept: the next attempt tries again.
		client.catch(() => {
			if (this.#clients.get(destinationId)?.client === client) this.#clients.delete(destinationId)
		})
		return client
	}

	/** Drops a client that broke (its connection closed), so the next attempt reconnects. */
	discard(destinationId: string, client: T): void {
		const held = this.#clients.get(destinationId)
		if (!held) return
		void held.client.then((c) => {
			if (c === client && this.#clients.get(destinationId) === held) this.#clients.delete(destinationId)
		}, () => {})
	}

	async close(destinationId?: string): Promise<void> {
		const ids = destinationId === undefined ? [...this.#clients.keys()] : [destinationId]
		await Promise.allSettled(ids.map(async (id) => {
			const held = this.#clients.get(id)
			if (!held) return
			this.#clients.delete(id)
			await this.closeClient(await held.client)
		}))
	}
}
