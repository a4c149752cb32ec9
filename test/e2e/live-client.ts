import { until } from '../support/poll'

/** A real WebSocket client for /v1/ws that records every message and waits for conditions. */
export type Message = Record<string, unknown> & { type: string }

export class LiveClient {
	readonly messages: Message[] = []
	readonly ws: WebSocket
	readonly opened: Promise<void>
	readonly closed: Promise<number>

	constructor(url: string, headers: Record<string, string> = {}) {
		// Bun's client takes headers (the CLI sends Authorization: Bearer the same way).
		this.ws = new WebSocket(url, { headers } as never)
		this.ws.onmessage = (m) => this.messages.push(JSON.parse(String(m.data)) as Message)
		this.opened = new Promise((resolve, reject) => {
			this.ws.addEventListener('open', () => resolve())
			this.ws.addEventListener('error', () => reject(new Error('socket error before open')))
		})
		this.closed = new Promise((resolve) => this.ws.addEventListener('close', (e) => resolve(e.code)))
	}

	send(message: Record<string, unknown>): void {
		this.ws.send(JSON.stringify(message))
	}

	of(type: string): Message[] {
		return this.messages.filter((m) => m.type === type)
	}

	/** Event ids received so far on `channel` (all channels when omitted), in arrival order. */
	eventIds(channel?: string): string[] {
		return this.of('event').filter((m) => channel === undefined || m.channel === channel).map((m) => (m.data as { id: string }).id)
	}

	/** Resolves once `check` holds over the messages so far (polls; fails after `timeoutMs`). */
	async until(check: (messages: Message[]) => boolean, timeoutMs = 10000): Promise<Message[]> {
		await until(() => check(this.messages), { timeoutMs, detail: () => `got ${JSON.stringify(this.messages.map((m) => m.type))}` })
		return this.messages
	}

	async subscribe(channel: string, since?: string): Promise<Message> {
		this.send({ type: 'subscribe', channel, ...(since ? { since } : {}) })
		const ack = (ms: Message[]) => ms.find((m) => (m.type === 'subscribed' || m.type === 'error') && (m.channel === channel || m.type === 'error'))
		await this.until((ms) => ack(ms) !== undefined)
		return ack(this.messages) as Message
	}

	close(): void {
		this.ws.close()
	}
}

/** The HTTP status a WebSocket handshake gets (no upgrade happens on refusal). */
export async function handshakeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
	const res = await fetch(url.replace(/^ws/, 'http'), { headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13', ...headers } })
	return res.status
}
