import type { RabbitConfig } from '../../destinations/provider-config'
import { sendRabbitHttp } from './rabbitmq-http'
import type { Provider } from './types'

// amqplib is loaded by the first AMQP destination only.
let amqp: Promise<typeof import('./rabbitmq-amqp')> | null = null
const loadAmqp = () => (amqp ??= import('./rabbitmq-amqp'))

/** `amqp://`/`amqps://` URLs publish natively; `http(s)://` ones through the management API. */
export const rabbitProvider: Provider = {
	async send(message, target, guard) {
		const cfg = target.provider as unknown as RabbitConfig
		return /^amqps?:/.test(cfg.url) ? (await loadAmqp()).rabbitAmqp.send(message, target, guard) : sendRabbitHttp(message, target, guard)
	},
	async close(destinationId) {
		if (amqp) await (await amqp).rabbitAmqp.close(destinationId)
	}
}
