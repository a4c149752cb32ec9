import { Service, waitFor, which } from './services'

export const KCAT = which('kcat', '/usr/bin/kcat')

export interface KafkaMock {
	bootstrap: string
	/** Every record of a topic, read with a second kcat (partition, offset, key, headers, value). */
	read(topic: string, expected: number): Promise<{ partition: number; offset: number; key: string; headers: string; value: string }[]>
	stop(): Promise<void>
}

/**
 * librdkafka's mock cluster, hosted by kcat: a real Kafka-protocol broker on a random
 * loopback port (parsed from its debug log), alive while this kcat runs; stopped by PID.
 * It auto-creates topics (4 partitions) on first use.
 */
export async function startKafkaMock(): Promise<KafkaMock> {
	const service = Service.spawn([KCAT as string, '-X', 'test.mock.num.brokers=1', '-X', 'debug=mock', '-b', 'dummy:9092', '-C', '-t', '__hold', '-o', 'beginning', '-q'])
	const bootstrap = await waitFor('kcat mock cluster', async () => /bootstrap\.servers=([0-9.:]+)/.exec(service.stderr.join(''))?.[1], 10_000)
	return {
		bootstrap,
		async read(topic, expected) {
			return waitFor(`${expected} record(s) in ${topic}`, async () => {
				const proc = Bun.spawn([KCAT as string, '-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\\t%o\\t%k\\t%h\\t%s\\n'], { stdout: 'pipe', stderr: 'ignore' })
				const killer = setTimeout(() => proc.kill(), 5000)
				const out = await new Response(proc.stdout).text()
				clearTimeout(killer)
				const rows = out.split('\n').filter(Boolean).map((l) => {
					const [p, o, key, headers, ...value] = l.split('\t')
					return { partition: Number(p), offset: Number(o), key: key ?? '', headers: headers ?? '', value: value.join('\t') }
				})
				return rows.length >= expected ? rows : undefined
			}, 20_000)
		},
		stop: () => service.stop()
	}
}
