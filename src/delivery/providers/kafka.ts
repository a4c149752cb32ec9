import type { KafkaConfig } from '../../destinations/provider-config'
import { kafkaNative } from './kafka-native'
import { sendKafkaRest } from './kafka-rest'
import type { Provider } from './types'

/** `protocol: rest` (the reference's REST Proxy v3) or `native` (kafkajs). */
export const kafkaProvider: Provider = {
	send(message, target, guard) {
		const cfg = target.provider as unknown as KafkaConfig
		return cfg.protocol === 'native' ? kafkaNative.send(message, target, guard) : sendKafkaRest(message, target, guard)
	},
	close: (destinationId) => kafkaNative.close(destinationId)
}
