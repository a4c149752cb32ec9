import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import Stripe from 'stripe'
import { tempDir } from '../helpers'
import { ROOT, run, type Running, startProcess } from './process'
import { Receiver } from './receiver'

/**
 * The issue's walkthrough in a real Chromium (Debian's, no browser download)
 * against the compiled binary, as a person would click it. Each step leaves a
 * screenshot in test/artifacts/ (git-ignored) for a human to look at.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const HAVE_BROWSER = existsSync(CHROMIUM)
if (!HAVE_BROWSER && process.env.CI === 'true') throw new Error(`CI needs Chromium at ${CHROMIUM} for the dashboard browser tests (.ci/run installs it)`)

const ARTIFACTS = join(ROOT, 'test', 'artifacts')
const BIN = join(ROOT, 'dist', 'hookstream')
const PASSWORD = 'owner-password-1'
const STRIPE_SECRET = 'whsec_dashboard_test_secret'
const stripe = new Stripe('sk_test_dummy')

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
const state: { sourceId?: string; ingestUrl?: string; firstEventId?: string; secondEventId?: string; firstBody?: string; inviteLink?: string } = {}

async function shot(name: string, p: Page = page): Promise<void> {
	await p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

/** A Stripe event signed the way Stripe signs it, with Stripe's own SDK. */
async function sendStripe(event: Record<string, unknown>): Promise<{ id: string; body: string }> {
	const body = JSON.stringify(event, null, 2)
	const header = await stripe.webhooks.generateTestHeaderStringAsync({ payload: body, secret: STRIPE_SECRET })
	const res = await fetch(state.ingestUrl as string, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body })
	expect(res.status).toBe(200)
	return { id: ((await res.json()) as { event_id: string }).event_id, body }
}

const stripeEvent = (id: string, amount: number) => ({
	id, object: 'event', type: 'payment_intent.succeeded', created: Math.floor(Date.now() / 1000),
	data: { object: { id: `pi_${id}`, object: 'payment_intent', amount, currency: 'eur', status: 'succeeded' } }, livemode: false
})

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

beforeAll(async () => {
	if (!HAVE_BROWSER) return
	mkdirSync(ARTIFACTS, { recursive: true })
	// `npm run build`, exactly: the test drives dist/hookstream.
	const build = await run([process.execPath, 'build', join(ROOT, 'src', 'main.ts'), join(ROOT, 'src', 'db', 'checkpoint-worker.ts'), '--compile', '--minify-whitespace', '--minify-syntax', '--outfile', BIN])
	if (build.code !== 0) throw new Error(`build failed: ${build.stderr}`)
	work = tempDir('hookstream-browser-')
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
		// The /v1/ws hub is not on this server yet: the page falls back to polling, and Chromium logs the refused upgrade.
		if (m.type() === 'error' && !m.text().includes('/v1/ws') && !expected.some((status) => m.text().includes(`status of ${status}`))) errors.push(m.text())
	})
}, 90000)

afterAll(async () => {
	await browser?.close()
	await receiver?.stop()
	await server?.stop()
	if (work) rmSync(work, { recursive: true, force: true })
})

describe.skipIf(!HAVE_BROWSER)('dashboard in Chromium against dist/hookstream', () => {
	it('a first visit to / explains how to get an account; signing in works from the keyboard alone', async () => {
		await page.goto(`${base}/`)
		await page.getByTestId('first-run').waitFor()
		expect(await page.getByTestId('first-run').textContent()).toContain('--create-admin-user')
		// First load (HTML, script, style) within the issue's 1 s on localhost.
		// The callbacks run in the page: written as strings, since this file is compiled without DOM types.
		const loaded = (await page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")) as number
		expect(loaded).toBeGreaterThan(0)
		expect(loaded).toBeLessThan(1000)
		await shot('01-sign-in')
		await page.keyboard.press('Tab')
		await page.keyboard.type('owner@example.com')
		await page.keyboard.press('Tab')
		await page.keyboard.type(PASSWORD)
		await page.keyboard.press('Enter')
		await page.getByRole('heading', { name: 'Overview' }).waitFor()
		await page.getByTestId('getting-started').waitFor()
		expect(await page.getByTestId('who').textContent()).toBe('owner@example.com')
		await shot('02-overview')
	}, 60000)

	it('creates a source from the Stripe template (its fields prefilled) and shows the ingest URL with a curl example', async () => {
		await nav('Sources')
		await page.getByRole('link', { name: 'New source' }).first().click()
		await page.getByLabel('Find a provider').fill('stripe')
		await page.getByRole('radio', { name: /^Stripe/ }).check()
		expect(await page.getByLabel('Name').inputValue()).toBe('Stripe')
		expect(await page.getByLabel('Signature header').inputValue()).toBe('Stripe-Signature')
		await page.getByLabel('Signing secret').fill(STRIPE_SECRET)
		await shot('03-new-source-stripe')
		await page.getByRole('button', { name: 'Create source' }).click()
		state.ingestUrl = (await page.getByTestId('ingest-url').textContent()) ?? ''
		expect(state.ingestUrl).toStartWith(`${base}/v1/ingest/src_`)
		state.sourceId = state.ingestUrl.split('/').pop()
		expect(await page.getByLabel('curl example').textContent()).toContain(state.ingestUrl)
		await shot('04-source')
	}, 60000)

	it('a Stripe-signed event appears in the events list without a reload, and its detail shows the exact body', async () => {
		await nav('Events')
		await page.getByText('No events yet').waitFor()
		// Subscribed over /v1/ws (the session cookie authenticates the upgrade): polling is off while live,
		// so the row below can only arrive by push.
		await page.getByTestId('ws-state').filter({ hasText: /^Live$/ }).waitFor({ timeout: 5000 })
		await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42))
		const sent = await sendStripe(stripeEvent('evt_dash_1', 2000))
		state.firstEventId = sent.id
		state.firstBody = sent.body
		await page.getByTestId('event-row').first().waitFor({ timeout: 4000 })
		expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42)
		expect(await page.getByTestId('events-table').textContent()).toContain('verified')
		await shot('05-events-list')
		// Down to a small laptop: nothing runs off the side.
		await page.setViewportSize({ width: 1024, height: 700 })
		expect((await page.evaluate('document.documentElement.scrollWidth')) as number).toBeLessThanOrEqual(1024)
		await shot('05b-events-list-1024')
		await page.setViewportSize({ width: 1280, height: 800 })
		await page.getByTestId('event-row').first().getByRole('link').click()
		await page.getByTestId('body-pretty').waitFor()
		await page.getByRole('tab', { name: 'raw' }).click()
		expect(await page.getByTestId('body-raw').textContent()).toBe(sent.body)
		expect(await page.getByTestId('event-headers').textContent()).toContain('stripe-signature')
		const download = (await page.getByRole('link', { name: 'Download' }).getAttribute('href')) ?? ''
		expect(await page.evaluate(async (href) => (await fetch(href)).text(), download)).toBe(sent.body)
		await page.getByRole('tab', { name: 'hex' }).click()
		expect(await page.getByTestId('body-hex').textContent()).toStartWith('00000000  7b 0a 20 20')
		await shot('06-event-detail')
		await page.emulateMedia({ colorScheme: 'dark' })
		await shot('06b-event-detail-dark')
		await page.emulateMedia({ colorScheme: 'light' })
	}, 60000)

	it('creates a destination (circuit closed) and a connection whose transform is previewed against the real event', async () => {
		await nav('Destinations')
		await page.getByRole('link', { name: 'New destination' }).first().click()
		await page.getByLabel('Name').fill('Billing service')
		await page.getByLabel('URL').fill(`${receiver.url}/hook`)
		await page.getByLabel('Attempts before DLQ').fill('1')
		await page.getByRole('button', { name: 'Create destination' }).click()
		await page.getByTestId('circuit-state').filter({ hasText: 'closed' }).waitFor()
		await shot('07-destination')
		await nav('Connections')
		await page.getByRole('link', { name: 'New connection' }).first().click()
		await page.getByLabel('Name').fill('Payments to billing')
		await page.getByRole('button', { name: 'Add a filter' }).click()
		await page.getByLabel('Rule 1 field').fill('payload.type')
		await page.getByLabel('Rule 1 value').fill('payment_intent.succeeded')
		await page.getByLabel('JSONata expression').fill('{"payment": data.object.id, "cents": data.object.amount}')
		await page.getByRole('button', { name: 'Preview' }).click()
		const preview = page.getByTestId('preview-result')
		await preview.waitFor()
		const text = (await preview.textContent()) ?? ''
		expect(text).toContain('would be delivered')
		expect(text).toContain('"cents": 2000')
		expect(text).toContain('"payment": "pi_evt_dash_1"')
		await shot('08-connection-preview')
		await page.getByRole('button', { name: 'Create connection' }).click()
		await page.getByTestId('connections-table').waitFor()
	}, 60000)

	it('a delivery that fails shows its attempt (status, HTTP code, latency); Retry delivers it', async () => {
		receiver.script({ status: 500, body: 'billing is down' })
		const sent = await sendStripe(stripeEvent('evt_dash_2', 3100))
		state.secondEventId = sent.id
		await receiver.waitFor(1)
		// The worker records the attempt right after the response: wait for it through the API.
		for (let i = 0; i < 100; i++) {
			const r = await pageFetch(page, 'GET', `/v1/delivery-attempts?event_id=${sent.id}`)
			if (r.json?.delivery_attempts?.[0]?.status === 'failed') break
			await Bun.sleep(100)
		}
		await page.goto(`${base}/dashboard/events/${sent.id}`)
		const row = page.getByTestId('attempt-row').first()
		await row.waitFor()
		expect(await row.textContent()).toContain('failed')
		expect(await row.textContent()).toContain('500')
		expect(await row.textContent()).toMatch(/\d+ ms/)
		await row.getByRole('button', { name: 'Show' }).click()
		await page.getByText('billing is down').waitFor()
		expect(JSON.parse(receiver.received[0]?.body ?? '{}')).toEqual({ payment: 'pi_evt_dash_2', cents: 3100 })
		await shot('09-attempt-failed')
		await row.getByRole('button', { name: 'Retry' }).click()
		await receiver.waitFor(2)
		for (let i = 0; i < 50; i++) {
			await page.reload()
			await page.getByTestId('attempt-row').first().waitFor()
			if ((await page.getByTestId('attempts-table').textContent())?.includes('success')) break
			await Bun.sleep(200)
		}
		expect(await page.getByTestId('attempts-table').textContent()).toContain('success')
		await shot('10-attempt-retried')
	}, 60000)

	it('the DLQ page retries a selection in bulk; the failure opened an issue that can be acknowledged', async () => {
		receiver.script({ status: 503, body: 'still down' })
		const sent = await sendStripe(stripeEvent('evt_dash_3', 4200))
		await receiver.waitFor(3)
		let attemptId = ''
		for (let i = 0; i < 100 && !attemptId; i++) {
			const r = await pageFetch(page, 'GET', `/v1/delivery-attempts?event_id=${sent.id}`)
			if (r.json?.delivery_attempts?.[0]?.is_dlq === 1) attemptId = r.json.delivery_attempts[0].id
			else await Bun.sleep(100)
		}
		await nav('Attempts & DLQ')
		await page.getByLabel('Dead-letter queue').selectOption('true')
		// The DLQ keeps the earlier (already retried) attempt too: pick this event's.
		await page.getByLabel(`Select attempt ${attemptId}`).check()
		await shot('10b-dlq-selected')
		await page.getByRole('button', { name: 'Retry 1 selected' }).click()
		await page.getByText('1 retried.').waitFor()
		await receiver.waitFor(4)
		expect(JSON.parse(receiver.received[3]?.body ?? '{}')).toEqual({ payment: 'pi_evt_dash_3', cents: 4200 })
		await nav('Issues')
		const issues = page.getByTestId('issues-table')
		await issues.waitFor()
		expect(await issues.textContent()).toContain('Billing service')
		await issues.getByRole('button', { name: 'Acknowledge' }).first().click()
		await page.getByLabel('Status').selectOption('acknowledged')
		await issues.getByText('acknowledged').first().waitFor()
		await shot('10c-issues')
	}, 60000)

	it('creates an API key, shown once, that works with a plain HTTP client', async () => {
		await nav('Settings')
		await page.getByLabel('Key name').fill('ci')
		await page.getByRole('button', { name: 'Create key' }).click()
		const key = (await page.getByTestId('new-api-key').textContent()) ?? ''
		expect(key).toMatch(/^hs_live_/)
		await shot('11-api-key')
		const res = await fetch(`${base}/v1/sources`, { headers: { 'x-api-key': key } })
		expect(res.status).toBe(200)
		expect(((await res.json()) as { sources: { id: string }[] }).sources.map((s) => s.id)).toEqual([state.sourceId as string])
		await page.getByRole('button', { name: 'Done' }).click()
		expect(await page.getByTestId('new-api-key').count()).toBe(0)
	}, 60000)

	it('a bad form shows the API\'s message; a new environment is empty and the sidebar switches to it and back', async () => {
		await nav('Sources')
		await page.getByRole('link', { name: 'New source' }).first().click()
		await page.getByLabel('Name').fill('Another')
		await page.getByLabel('Slug').fill('stripe')
		expected.push(409)
		await page.getByRole('button', { name: 'Create source' }).click()
		const alert = page.getByRole('alert')
		await alert.waitFor()
		expect(await alert.textContent()).toMatch(/slug.*(exists|taken|in use)|already/i)
		expect(await alert.textContent()).not.toContain('{')
		await shot('12a-readable-error')
		expected.pop()
		await nav('Settings')
		await page.getByLabel('New environment name').fill('Staging')
		await page.getByRole('button', { name: 'Create environment' }).click()
		const switcher = page.getByLabel('Environment', { exact: true })
		await switcher.locator('option', { hasText: 'Staging' }).waitFor({ state: 'attached' })
		await switcher.selectOption({ label: 'Staging' })
		await nav('Sources')
		await page.getByText('No sources yet').waitFor()
		await shot('12b-staging-empty')
		expect(await switcher.locator('option:checked').textContent()).toBe('Staging')
		await switcher.selectOption({ label: 'Production' })
		await page.getByTestId('source-row').first().waitFor()
	}, 60000)

	it('a CLI device login is approved on /dashboard/cli-auth?code=…, and the CLI then gets its key', async () => {
		const started = (await (await fetch(`${base}/v1/auth/device/code`, { method: 'POST' })).json()) as { device_code: string; user_code: string; verification_url: string }
		expect(started.verification_url).toBe(`${base}/dashboard/cli-auth?code=${started.user_code}`)
		await page.goto(started.verification_url)
		expect(await page.getByLabel('Code shown by the CLI').inputValue()).toBe(started.user_code)
		await shot('12c-cli-auth')
		await page.getByRole('button', { name: 'Approve' }).click()
		await page.getByText('Approved.').waitFor()
		const token = await fetch(`${base}/v1/auth/device/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_code: started.device_code }) })
		expect(token.status).toBe(200)
		const { api_key } = (await token.json()) as { api_key: string }
		expect((await fetch(`${base}/v1/sources`, { headers: { 'x-api-key': api_key } })).status).toBe(200)
		await nav('Settings')
	}, 60000)

	it('a viewer joins through the invitation page, sees no write buttons, and the API refuses their writes', async () => {
		await page.getByLabel('Email', { exact: true }).fill('vic@example.com')
		await page.getByLabel('Role', { exact: true }).selectOption('viewer')
		await page.getByRole('button', { name: 'Create invitation link' }).click()
		const link = (await page.getByTestId('invite-link').textContent()) ?? ''
		expect(link).toContain('/dashboard/invitations/')
		const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } })
		const viewer = await viewerContext.newPage()
		viewer.on('pageerror', (e) => errors.push(String(e)))
		await viewer.goto(link)
		await viewer.getByLabel('Your name').fill('Vic')
		await viewer.getByLabel('Password').fill('viewer-password-1')
		await shot('12-invitation', viewer)
		await viewer.getByRole('button', { name: 'Accept and sign in' }).click()
		await viewer.getByRole('heading', { name: 'Overview' }).waitFor()
		expect(await viewer.getByTestId('who').textContent()).toBe('vic@example.com')
		await viewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources', exact: true }).click()
		await viewer.getByTestId('source-row').first().waitFor()
		expect(await viewer.getByRole('link', { name: 'New source' }).count()).toBe(0)
		await viewer.getByTestId('source-row').first().getByRole('link').click()
		await viewer.getByTestId('ingest-url').waitFor()
		for (const name of ['Pause', 'Disable', 'Edit', 'Delete']) expect(await viewer.getByRole('button', { name }).count()).toBe(0)
		await viewer.goto(`${base}/dashboard/events/${state.secondEventId}`)
		await viewer.getByTestId('attempt-row').first().waitFor()
		expect(await viewer.getByRole('button', { name: /Retry/ }).count()).toBe(0)
		await shot('13-viewer-event', viewer)
		const write = await pageFetch(viewer, 'POST', '/v1/sources', { name: 'x', slug: 'x' })
		expect(write.status).toBe(403)
		expect(write.json).toMatchObject({ status: 403, request_id: expect.any(String) })
		const retry = await pageFetch(viewer, 'POST', `/v1/events/${state.secondEventId}/retry`)
		expect(retry.status).toBe(403)
		await viewerContext.close()
	}, 60000)

	it('raised no page errors on the way', () => {
		expect(errors).toEqual([])
	})
})
