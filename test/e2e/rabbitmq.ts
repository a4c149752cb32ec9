import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers'
import { freePort, Service, waitFor, which } from './services'

export const RABBIT = which('rabbitmq-server', '/usr/lib/rabbitmq/bin/rabbitmq-server')
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server'

export interface Rabbit {
	amqpUrl: string
	httpUrl: string
	/** A management API call as guest (loopback only, which is where it runs). */
	api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>
	stop(): Promise<void>
}

/**
 * A private RabbitMQ node (its own epmd, ports, data dir and cookie) with the management
 * plugin on, started in the foreground and stopped by PID. Ready in about 5-15 s.
 */
export async function startRabbit(): Promise<Rabbit> {
	const dir = tempDir('hookstream-rabbit-')
	const [amqp, http, dist, epmdPort] = [await freePort(), await freePort(), await freePort(), await freePort()]
	for (const d of ['mnesia', 'log', 'home']) mkdirSync(join(dir, d))
	writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${amqp}\nmanagement.tcp.ip = 127.0.0.1\nmanagement.tcp.port = ${http}\nloopback_users = none\n`)
	writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_management].\n')
	const erlEnv = { ERL_EPMD_PORT: String(epmdPort), ERL_EPMD_ADDRESS: '127.0.0.1', HOME: join(dir, 'home') }
	const epmd = Service.spawn([which('epmd') ?? 'epmd', '-port', String(epmdPort), '-address', '127.0.0.1'], erlEnv)
	const node = Service.spawn([SERVER], {
		...erlEnv, RABBITMQ_NODENAME: `hs${amqp}@localhost`, RABBITMQ_NODE_PORT: String(amqp), RABBITMQ_DIST_PORT: String(dist),
		RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'), RABBITMQ_LOG_BASE: join(dir, 'log'), RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
		RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'), RABBITMQ_PID_FILE: join(dir, 'pid'), RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config')
	})
	const httpUrl = `http://127.0.0.1:${http}`
	const auth = `Basic ${btoa('guest:guest')}`
	const api: Rabbit['api'] = async (method, path, body) => {
		const res = await fetch(`${httpUrl}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
		const text = await res.text()
		return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null }
	}
	const stop = async () => {
		await node.stop()
		await epmd.stop()
		rmSync(dir, { recursive: true, force: true })
	}
	try {
		await waitFor('rabbitmq management API', async () => ((await api('GET', '/api/overview')).status === 200 ? true : undefined), 60_000)
	} catch (err) {
		await stop()
		throw err
	}
	return { amqpUrl: `amqp://127.0.0.1:${amqp}`, httpUrl, api, stop }
}
