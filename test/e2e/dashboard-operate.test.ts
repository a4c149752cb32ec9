import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { tempDir } from '../helpers'
import { ROOT, run, type Running, startProcess } from './process'
import { Receiver } from './receiver'

/**
 * The dashboard's operate pages (metrics, alerts, replay), every destination
 * type and the public test-session inspector, in a real Chromium against the
 * compiled binary, as a person would click them. The traffic they show is real:
 * events ingested over HTTP and delivered to a local receiver. Each step leaves a
 * screenshot in test/artifacts/ (git-ignored).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const HAVE_BROWSER = existsSync(CHROMIUM)
if (!HAVE_BROWSER && process.env.CI === 'true') throw new Error(`CI needs Chromium at ${CHROMIUM} for the dashboard browser tests (.ci/run installs it)`)

const ARTIFACTS = join(ROOT, 'test', 'artifacts')
const BIN = join(ROOT, 'dist', 'hookstream')
const PASSWORD = 'owner-password-1'

let work: string
let server: Running
let receiver: Receiver
let browser: Browser
let context: BrowserContext
let page: Page
let base: string
const errors: string[] = []
/** HTTP statuses a step provokes on purpose (Chromium logs every 4xx a page fetches). */
const expected: number[] = []

async function shot(name: string, p: Page = page): Promise<void> {
	await p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

/** Runs a same-origin fetch inside the page (with the page's session cookie), returning status and JSON. */
async function pageFetch(p: Page, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
	return p.evaluate(async ([m, u, b]) => {
		const res = await fetch(u as string, { method: m as string, headers: b === undefined ? {} : { 'content-type': 'application/json' }, body: b === undefined ? undefined : JSON.stringify(b) })
		return { status: res.status, json: await res.json().catch(() => null) }
	}, [method, path, body] as const)
}

async function nav(label: string): Promise<void> {
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click()
	await page.getByRole('heading', { level: 1 }).first().waitFor()
}

/** A source connected to "Billing service" (one attempt each, so a failure is dead-lettered); 3 events, the second refused by the receiver. */
async function seedTraffic(): Promise<void> {
	const { json: src } = await pageFetch(page, 'POST', '/v1/sources', { name: 'Shop', slug: 'shop' })
	const { json: dst } = await pageFetch(page, 'POST', '/v1/destinations', { name: 'Billing service', slug: 'billing', url: `${receiver.url}/hook`, retry_max_attempts: 1 })
	const conn = await pageFetch(page, 'POST', '/v1/connections', { name: 'Shop to billing', source_id: src.source.id, destination_id: dst.destination.id })
	expect(conn.status).toBe(201)
	receiver.script({ status: 200, body: 'ok' }, { status: 500, body: 'billing is down' }, { status: 200, body: 'ok' })
	for (const n of [1, 2, 3]) {
		const res = await fetch(src.source.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: n }) })
		expect(res.status).toBe(200)
		// One at a time, so the receiver's scripted replies meet the events in order.
		await receiver.waitFor(n)
	}
	for (let i = 0; i < 100; i++) {
		const { json } = await pageFetch(page, 'GET', '/v1/metrics/deliveries')
		if ((json.series as { delivery_count: number }[]).reduce((a, r) => a + r.delivery_count, 0) === 3) return
		await Bun.sleep(100)
	}
	throw new Error('the 3 delivery attempts were not recorded')
}

beforeAll(async () => {
	if (!HAVE_BROWSER) return
	mkdirSync(ARTIFACTS, { recursive: true })
	const build = await run([process.execPath, 'build', join(ROOT, 'src', 'main.ts'), join(ROOT, 'src', 'db', 'checkpoint-worker.ts'), '--compile', '--minify-whitespace', '--minify-syntax', '--outfile', BIN])
	if (build.code !== 0) throw new Error(`build failed: ${build.stderr}`)
	work = tempDir('hookstream-browser-ops-')
	const data = join(work, 'data')
	const owner = Bun.spawn([BIN, '--create-admin-user', '--email', 'owner@example.com', '--name', 'Olga', '--data-dir', data], { stdin: new Blob([`${PASSWORD}\n`]), stdout: 'pipe', stderr: 'pipe' })
	expect(await owner.exited).toBe(0)
	server = await startProcess([BIN, '--port', '0', '--host', '127.0.0.1', '--data-dir', data, '--allow-private-destinations'])
	base = server.url
	receiver = new Receiver()
	browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
	context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
	page = await context.newPage()
	page.on('pageerror', (e) => errors.push(String(e)))
	page.on('console', (m) => {
		if (m.type() === 'error' && !expected.some((status) => m.text().includes(`status of ${status}`))) errors.push(m.text())
	})
	await page.goto(`${base}/`)
	await page.getByLabel('Email').fill('owner@example.com')
	await page.getByLabel('Password').fill(PASSWORD)
	await page.getByRole('button', { name: 'Sign in' }).click()
	await page.getByRole('heading', { name: 'Overview' }).waitFor()
	await seedTraffic()
}, 90000)

afterAll(async () => {
	await browser?.close()
	await receiver?.stop()
	await server?.stop()
	if (work) rmSync(work, { recursive: true, force: true })
})

describe.skipIf(!HAVE_BROWSER)('dashboard operate pages in Chromium against dist/hookstream', () => {

	it('the metrics page charts the real traffic (volume, deliveries, success rate, latency, errors) and the range picker refetches', async () => {
		const api = await pageFetch(page, 'GET', '/v1/metrics/deliveries')
		const rows = api.json.series as { success_count: number; failure_count: number }[]
		const ok = rows.reduce((a, r) => a + r.success_count, 0)
		const failed = rows.reduce((a, r) => a + r.failure_count, 0)
		expect([ok, failed]).toEqual([2, 1])
		await nav('Metrics')
		const label = (id: string) => page.getByTestId(id).locator('svg').getAttribute('aria-label')
		await page.getByTestId('chart-volume').waitFor()
		expect(await label('chart-volume')).toContain('3 events in last 24 hours')
		expect(await label('chart-deliveries')).toContain(`${ok + failed} attempts, ${ok} succeeded, ${failed} failed`)
		expect(await label('chart-success')).toContain(`${Math.round(((100 * ok) / (ok + failed)) * 100) / 100}% over the window`)
		expect(await label('chart-latency')).toMatch(/p95 up to \d+ ms/)
		// Every bar is an SVG rect with its number; the failed ones are drawn too.
		expect(await page.getByTestId('chart-deliveries').locator('rect.s1').count()).toBeGreaterThan(0)
		const errors = page.getByTestId('chart-errors')
		expect(await errors.textContent()).toContain('Billing service')
		expect(await errors.textContent()).toContain('http_5xx')
		expect(await page.getByTestId('metrics-today').textContent()).toContain('3 events today')
		// The numbers behind a chart open from the keyboard.
		const numbers = page.getByTestId('chart-deliveries').locator('summary')
		await numbers.focus()
		await page.keyboard.press('Enter')
		const table = page.getByTestId('chart-deliveries').locator('details table')
		expect(await table.isVisible()).toBe(true)
		const column = async (n: number) => (await table.locator(`tbody td:nth-child(${n})`).allTextContents()).reduce((a, x) => a + Number(x), 0)
		expect([await column(2), await column(3)]).toEqual([2, 1])
		await shot('10d-metrics')
		await page.keyboard.press('Enter')
		await page.getByLabel('Time range').selectOption('30d')
		await page.waitForURL(/range=30d/)
		await page.getByTestId('chart-volume').locator('svg[aria-label*="last 30 days"]').waitFor()
		expect(await label('chart-volume')).toContain('3 events in last 30 days')
		await page.emulateMedia({ colorScheme: 'dark' })
		await shot('10e-metrics-30d-dark')
		await page.emulateMedia({ colorScheme: 'light' })
	}, 60000)

	it('alerts: a webhook channel is created and test-sent to a real receiver; a rule notifying it is created and deleted', async () => {
		await nav('Alerts')
		await page.getByText('No channels yet').waitFor()
		await page.getByLabel('Channel name').fill('Ops webhook')
		await page.getByLabel('Webhook URL').fill(`${receiver.url}/alerts`)
		await page.getByLabel('Signing secret (optional)').fill('alert-secret-1')
		await page.getByRole('button', { name: 'Create channel' }).click()
		const row = page.getByTestId('channel-row').filter({ hasText: 'Ops webhook' })
		await row.waitFor()
		// The secret comes back masked from the API, never in clear.
		expect(await row.textContent()).not.toContain('alert-secret-1')
		const before = receiver.received.length
		await row.getByRole('button', { name: 'Send a test to Ops webhook' }).click()
		await row.getByRole('status').getByText('success').waitFor()
		const got = (await receiver.waitFor(before + 1))[before]
		expect(got?.path).toBe('/alerts')
		expect(JSON.parse(got?.body ?? '{}').type).toBe('alert.test')
		expect(got?.headers['x-hookstream-signature']).toMatch(/^sha256=[0-9a-f]{64}$/)
		await page.getByLabel('Rule name').fill('Billing failing')
		await page.getByLabel('Fires when').selectOption('failure_rate')
		await page.getByLabel('Failure rate (%)').fill('20')
		await page.getByLabel('Destination', { exact: true }).selectOption({ label: 'Billing service' })
		await page.getByRole('checkbox', { name: 'Ops webhook (webhook)' }).check()
		await page.getByRole('button', { name: 'Create rule' }).click()
		const rule = page.getByTestId('rule-row').filter({ hasText: 'Billing failing' })
		await rule.waitFor()
		expect(await rule.textContent()).toContain('Ops webhook')
		expect(await rule.textContent()).toContain('Billing service')
		const rules = await pageFetch(page, 'GET', '/v1/alert-rules')
		expect(JSON.parse(rules.json.alert_rules[0].rule_config)).toMatchObject({ threshold: 20, window_minutes: 15 })
		await shot('10f-alerts')
		page.once('dialog', (d) => d.accept())
		await rule.getByRole('button', { name: 'Delete rule Billing failing' }).click()
		await page.getByText('No alert rules yet').waitFor()
	}, 60000)

	it('replay: re-delivers the stored events to the destination while the page shows the progress; a slow one can be cancelled', async () => {
		await nav('Replay')
		await page.getByText('No replays yet').waitFor()
		const before = receiver.received.length
		await page.getByLabel('Destination', { exact: true }).selectOption({ label: 'Billing service' })
		await page.getByRole('button', { name: 'Start replay' }).click()
		await page.getByRole('heading', { name: 'Replay job' }).waitFor()
		await page.getByTestId('replay-status').getByText('completed').waitFor({ timeout: 20000 })
		const jobId = page.url().split('/').pop() as string
		const job = (await pageFetch(page, 'GET', `/v1/replay/${jobId}`)).json.job
		expect(job.total).toBeGreaterThan(0)
		expect(job.processed).toBe(job.total)
		expect(await page.getByTestId('replay-progress').textContent()).toContain(`${job.total} / ${job.total} (100%)`)
		await receiver.waitFor(before + job.total)
		expect(receiver.received.slice(before).every((r) => r.path === '/hook')).toBe(true)
		await shot('10g-replay-done')
		await page.getByRole('link', { name: '← Replay' }).click()
		await page.getByLabel('Events per second').fill('1')
		await page.getByRole('button', { name: 'Start replay' }).click()
		await page.getByRole('button', { name: 'Cancel replay' }).click()
		await page.getByTestId('replay-status').getByText('cancelled').waitFor()
		const cancelled = (await pageFetch(page, 'GET', `/v1/replay/${page.url().split('/').pop()}`)).json.job
		expect(cancelled.skipped).toBeGreaterThan(0)
		await shot('10h-replay-cancelled')
		await page.getByRole('link', { name: '← Replay' }).click()
		const table = page.getByTestId('replay-table')
		await table.getByText('cancelled').waitFor()
		expect(await table.getByText('completed').count()).toBe(1)
	}, 60000)

	it('destinations of every type: each has its own form with secrets as password inputs; an SQS one is created and shown masked', async () => {
		await nav('Destinations')
		await page.getByRole('link', { name: 'New destination' }).first().click()
		const type = page.getByLabel('Type', { exact: true })
		const secrets: Record<string, string[]> = {
			aws_sqs: ['secret_access_key', 'session_token'], aws_s3: ['secret_access_key', 'session_token'], aws_eventbridge: ['secret_access_key', 'session_token'],
			gcp_pubsub: [], kafka: ['api_secret'], rabbitmq: ['password'], websocket: []
		}
		for (const [t, keys] of Object.entries(secrets)) {
			await type.selectOption(t)
			const fields = page.getByTestId('provider-fields')
			await fields.waitFor()
			expect(await fields.locator('input, textarea, select').count()).toBeGreaterThan(0)
			for (const k of keys) expect(await fields.locator(`[name="pc_${k}"]`).getAttribute('type')).toBe('password')
		}
		await type.selectOption('kafka')
		await page.getByLabel('Protocol').selectOption('native')
		expect(await page.locator('[name="pc_password"]').getAttribute('type')).toBe('password')
		expect(await page.locator('[name="pc_api_secret"]').count()).toBe(0)
		await type.selectOption('aws_sqs')
		await page.getByLabel('Name', { exact: true }).fill('Orders queue')
		await page.getByLabel('Queue URL').fill('https://sqs.eu-west-1.amazonaws.com/123456789012/orders')
		await page.getByLabel('Region').fill('nowhere')
		await page.getByLabel('Access key ID').fill('AKIAEXAMPLE')
		await page.getByLabel('Secret access key').fill('s3cr3t-value-9876')
		expected.push(400)
		await page.getByRole('button', { name: 'Create destination' }).click()
		const alert = page.getByRole('alert')
		await alert.getByText(/region.*AWS region/).waitFor()
		expected.pop()
		await page.getByLabel('Region').fill('eu-west-1')
		await page.getByRole('button', { name: 'Create destination' }).click()
		await page.getByTestId('destination-type').getByText('AWS SQS queue').waitFor()
		await page.getByTestId('provider-region').getByText('eu-west-1').waitFor()
		const secret = (await page.getByTestId('provider-secret_access_key').textContent()) ?? ''
		expect(secret).toEndWith('9876')
		expect(secret).not.toContain('s3cr3t')
		await shot('10i-destination-sqs')
	}, 60000)

	it('the public test-session inspector: no sign-in, requests arrive live, detail shows the body, custom response and forwarding work', async () => {
		const guest = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
		const p = await guest.newPage()
		p.on('pageerror', (e) => errors.push(String(e)))
		// A newcomer finds it from the sign-in page.
		await p.goto(`${base}/`)
		await p.getByRole('link', { name: 'Start a test session' }).click()
		await p.getByRole('button', { name: 'Create a test session' }).click()
		await p.getByTestId('feed-state').getByText('live').waitFor()
		await p.getByText('No requests yet').waitFor()
		const url = (await p.getByTestId('session-url').textContent()) as string
		expect(url).toStartWith(`${base}/v1/ingest/`)
		const body = JSON.stringify({ order: 'ord_42', total: 1999 })
		expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-probe': 'inspector' }, body })).status).toBe(200)
		// Over the socket, without a reload; the newest request is opened.
		const detail = p.getByTestId('request-detail')
		await detail.getByText('x-probe').waitFor()
		expect(await detail.textContent()).toContain('inspector')
		// The headers come with the live frame; the body is fetched after it ("Loading…" until then).
		await detail.getByText('"order": "ord_42"').waitFor()
		await p.getByLabel('Status code').fill('202')
		await p.getByLabel('Response body').fill('thanks')
		await p.getByRole('button', { name: 'Save response' }).click()
		await p.getByRole('status').getByText('Senders get 202 (text/plain)').waitFor()
		await p.getByLabel('Forward to').fill(`${receiver.url}/fwd`)
		await p.getByLabel('Forwarding enabled').check()
		await p.getByRole('button', { name: 'Save forwarding' }).click()
		await p.getByRole('status').getByText(`Forwarding to ${receiver.url}/fwd`).waitFor()
		const before = receiver.received.length
		const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'second' })
		expect(res.status).toBe(202)
		expect(await res.text()).toBe('thanks')
		const relayed = (await receiver.waitFor(before + 1))[before]
		expect(relayed?.path).toBe('/fwd')
		expect(relayed?.body).toBe('second')
		await p.getByTestId('feed').getByRole('button').nth(1).waitFor()
		expect(await p.getByTestId('feed').getByRole('button').count()).toBe(2)
		// An earlier request's body comes from the session export.
		await p.getByTestId('feed').getByRole('button').nth(1).click()
		await detail.getByText('"total": 1999').waitFor()
		await shot('10j-test-inspector', p)
		await p.emulateMedia({ colorScheme: 'dark' })
		await shot('10k-test-inspector-dark', p)
		await guest.close()
	}, 60000)

	it('a viewer sees metrics, channels and replay jobs but no write controls, and the API refuses their writes', async () => {
		await nav('Settings')
		await page.getByLabel('Email', { exact: true }).fill('vic@example.com')
		await page.getByLabel('Role', { exact: true }).selectOption('viewer')
		await page.getByRole('button', { name: 'Create invitation link' }).click()
		const link = (await page.getByTestId('invite-link').textContent()) ?? ''
		const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } })
		const viewer = await viewerContext.newPage()
		viewer.on('pageerror', (e) => errors.push(String(e)))
		await viewer.goto(link)
		await viewer.getByLabel('Your name').fill('Vic')
		await viewer.getByLabel('Password').fill('viewer-password-1')
		await viewer.getByRole('button', { name: 'Accept and sign in' }).click()
		await viewer.getByRole('heading', { name: 'Overview' }).waitFor()
		const go = async (label: string) => {
			await viewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click()
			await viewer.getByRole('heading', { level: 1, name: label }).waitFor()
		}
		await go('Metrics')
		await viewer.getByTestId('chart-volume').waitFor()
		await go('Alerts')
		await viewer.getByTestId('channel-row').first().waitFor()
		for (const name of [/Send a test/, /Delete/, 'Create channel', 'Create rule']) expect(await viewer.getByRole('button', { name }).count()).toBe(0)
		await go('Replay')
		await viewer.getByTestId('replay-table').waitFor()
		expect(await viewer.getByRole('button', { name: 'Start replay' }).count()).toBe(0)
		const write = await pageFetch(viewer, 'POST', '/v1/notification-channels', { name: 'x', channel_type: 'webhook', config: { url: 'https://example.com' } })
		expect(write.status).toBe(403)
		expect(write.json).toMatchObject({ status: 403, request_id: expect.any(String) })
		await viewerContext.close()
	}, 60000)

	it('raised no page errors on the way', () => {
		expect(errors).toEqual([])
	})
})
