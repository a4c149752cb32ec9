import type { RabbitConfig } from '../../destinations/provider-config'
import { rabbitAmqp } from './rabbitmq-amqp'
import { sendRabbitHttp } from './rabbitmq-http'
import type { Provider } from './types'

/** `amqp://`/`amqps://` URLs publish natively; `http(s)://` ones through the management API. */
export const rabbitProvider: Provider = {
	send(message, target, guard) {
		const cfg = target.provider as unknown as RabbitConfig
		return /^amqps?:/.test(cfg.url) ? rabbitAmqp.send(message, target, guard) : sendRabbitHttp(message, target, guard)
	},
	close: (destinationId) => rabbitAmqp.close(destinationId)
}
