import { describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { envName, OPTIONS, type OptionName } from '../../src/config'
import { helpText } from '../../src/cli/help'

/**
 * README "Running several instances": the compose snippet is the committed file, and the file
 * asks for what `serve` needs on PostgreSQL (env names the config knows, one database, one key).
 */
const ROOT = join(import.meta.dir, '..', '..')
const COMPOSE = 'deploy/docker-compose.postgres.yml'
const readme = await Bun.file(join(ROOT, 'README.md')).text()
const file = await Bun.file(join(ROOT, COMPOSE)).text()

type Service = { image?: string; build?: string; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; ports?: string[] }
const compose = Bun.YAML.parse(file) as { services: Record<string, Service> }

/** The fenced yaml block after the line that introduces the compose file. */
function snippet(): string {
	const intro = readme.indexOf(`\`${COMPOSE}\``, readme.indexOf('## Running several instances'))
	expect(intro).toBeGreaterThan(0)
	const start = readme.indexOf('```yaml\n', intro)
	const end = readme.indexOf('\n```', start + 8)
	return readme.slice(start + '```yaml\n'.length, end + 1)
}

describe('README: Running several instances', () => {
	it('shows deploy/docker-compose.postgres.yml as committed', () => {
		expect(snippet()).toBe(file)
	})

	it('the compose file runs PostgreSQL ≥ 14 and two hookstream instances on one database with one key', () => {
		const { postgres, ...rest } = compose.services
		expect(Number(/^postgres:(\d+)/.exec(postgres?.image ?? '')?.[1])).toBeGreaterThanOrEqual(14)
		const instances = Object.values(rest)
		expect(instances).toHaveLength(2)
		const known = new Set([...(Object.keys(OPTIONS) as OptionName[]).map(envName), 'HOOKSTREAM_ADMIN_KEY'])
		const pgEnv = postgres?.environment ?? {}
		for (const s of instances) {
			const env = s.environment ?? {}
			for (const name of Object.keys(env)) expect({ name, known: known.has(name) }).toEqual({ name, known: true })
			// The URL names the postgres service and the user and database it creates.
			const url = new URL(env.HOOKSTREAM_DATABASE_URL ?? '')
			expect([url.protocol, url.username, url.hostname, url.pathname]).toEqual(['postgres:', pgEnv.POSTGRES_USER ?? '', 'postgres', `/${pgEnv.POSTGRES_DB}`])
			expect(env.HOOKSTREAM_ENCRYPTION_KEY).toStartWith('${HOOKSTREAM_ENCRYPTION_KEY:?')
			expect(s.depends_on?.postgres?.condition).toBe('service_healthy')
		}
		expect(instances[0]?.environment).toEqual(instances[1]?.environment ?? {})
		expect(new Set(instances.map((s) => s.ports?.[0])).size).toBe(2)
	})

	it('the commands it names exist', () => {
		expect(readme).toContain('hookstream migrate --to postgres://')
		expect(readme).toContain(`(\`--destination-lease-ms\`, ${OPTIONS.destinationLeaseMs.default / 1000} s by default)`)
		expect(helpText()).toContain('hookstream migrate --to <postgres://…>')
		for (const flag of ['--database-url', '--encryption-key', '--destination-concurrency', '--destination-lease-ms', '--data-dir']) expect(helpText()).toContain(flag)
	})
})
