import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { SCHEME_REUSE_PRESETS } from '../unit/templates/slugs'

const ORIGINAL = ['clerk', 'custom', 'github', 'intercom', 'linear', 'paddle', 'postmark', 'resend', 'sendgrid', 'shopify', 'slack', 'stripe', 'svix', 'twilio', 'typeform']
const SLUGS = [...ORIGINAL, ...SCHEME_REUSE_PRESETS].sort()

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

type Src = Record<string, unknown>
async function create(body: Record<string, unknown>): Promise<Response> {
	return t.call('POST', '/v1/sources', { body })
}

describe('GET /v1/templates', () => {
	it('lists the bundled templates (the 15 originals among them) with category, docs_url, handshake and sample_event', async () => {
		const res = await t.call('GET', '/v1/templates')
		expect(res.status).toBe(200)
		const { templates } = (await res.json()) as { templates: { slug: string; docs_url: string; category: string; handshake: string | null; sample_event: unknown }[] }
		const slugs = templates.map((x) => x.slug)
		for (const slug of SLUGS) expect(slugs).toContain(slug)
		expect(slugs.length).toBe(109)
		for (const slug of SCHEME_REUSE_PRESETS) expect(slugs).toContain(slug)
		for (const x of templates) {
			expect(x.docs_url).toStartWith('https://')
			expect(typeof x.category).toBe('string')
			expect(x.handshake === null || typeof x.handshake === 'string').toBe(true)
			expect(x.sample_event).toBeDefined()
		}
		expect(templates.find((x) => x.slug === 'slack')?.handshake).toBe('slack_url_verification')
	})

	it('gets one template, 404 for an unknown slug', async () => {
		const res = await t.call('GET', '/v1/templates/github')
		expect(res.status).toBe(200)
		expect(((await res.json()) as { template: Src }).template).toMatchObject({ slug: 'github', verification_type: 'hmac_sha256', verification_header: 'X-Hub-Signature-256' })
		const missing = await t.call('GET', '/v1/templates/myspace')
		expect(missing.status).toBe(404)
		expect(await missing.json()).toMatchObject({ error: 'Template not found' })
	})

	it('requires an API key', async () => {
		expect((await t.call('GET', '/v1/templates', { key: null })).status).toBe(401)
	})
})

describe('template on create', () => {
	it('fills verification type, header and config from each template', async () => {
		const all = ((await (await t.call('GET', '/v1/templates')).json()) as { templates: { slug: string }[] }).templates.map((x) => x.slug)
		for (const slug of all) {
			const template = ((await (await t.call('GET', `/v1/templates/${slug}`)).json()) as { template: Src }).template
			const res = await create({ name: slug, slug: `tpl-${slug}`, template: slug, verification_secret: 'secret-for-tests' })
			expect({ slug, status: res.status }).toEqual({ slug, status: 201 })
			const { source } = (await res.json()) as { source: Src }
			expect(source).toMatchObject({
				template: slug,
				verification_type: template.verification_type,
				verification_header: template.verification_header,
				verification_enabled: template.verification_type ? 1 : 0,
				dedup_enabled: 0
			})
			expect(JSON.parse(source.verification_config as string)).toEqual(template.verification_config)
		}
	})

	it('lets body fields win over the template', async () => {
		const res = await create({
			name: 'gh', slug: 'gh-override', template: 'github', verification_secret: 'x-secret',
			verification_type: 'hmac-sha1', verification_header: 'X-Hub-Signature', verification_config: { prefix: 'sha1=' }
		})
		const { source } = (await res.json()) as { source: Src }
		expect(source).toMatchObject({ template: 'github', verification_type: 'hmac_sha1', verification_header: 'X-Hub-Signature' })
		// Config keys merge: the body's prefix wins, the template's encoding stays.
		expect(JSON.parse(source.verification_config as string)).toEqual({ encoding: 'hex', prefix: 'sha1=' })
	})

	it('uses the template dedup hint when dedup is turned on without a strategy', async () => {
		const res = await create({ name: 'gh', slug: 'gh-dedup', template: 'github', verification_secret: 's', dedup_enabled: true })
		const { source } = (await res.json()) as { source: Src }
		expect(source).toMatchObject({ dedup_enabled: 1, dedup_strategy: 'header_field', dedup_field: 'X-GitHub-Delivery' })
	})

	it('needs the secret a template implies, unless verification is turned off', async () => {
		const res = await create({ name: 's', slug: 'stripe-nosecret', template: 'stripe' })
		expect(res.status).toBe(400)
		expect(((await res.json()) as { details: { path: string }[] }).details[0]?.path).toBe('/verification_secret')
		const off = await create({ name: 's', slug: 'stripe-off', template: 'stripe', verification_enabled: false })
		expect(off.status).toBe(201)
		expect(((await off.json()) as { source: Src }).source).toMatchObject({ verification_enabled: 0, verification_type: 'stripe' })
	})
})
