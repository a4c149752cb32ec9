import type { KafkaConfig } from '../../destinations/provider-config'
import { sendKafkaRest } from './kafka-rest'
import type { Provider } from './types'

// kafkajs costs ~150 ms and ~18 MB to load: only a native Kafka destination pays for it.
let native: Promise<typeof import('./kafka-native')> | null = null
const loadNative = () => (native ??= import('./kafka-native'))

/** `protocol: rest` (the reference's REST Proxy v3) or `native` (kafkajs). */
export const kafkaProvider: Provider = {
	async send(message, target, guard) {
		const cfg = target.provider as unknown as KafkaConfig
		return cfg.protocol === 'native' ? (await loadNative()).kafkaNative.send(message, target, guard) : sendKafkaRest(message, target, guard)
	},
	async close(destinationId) {
		if (native) await (await native).kafkaNative.close(destinationId)
	}
}
