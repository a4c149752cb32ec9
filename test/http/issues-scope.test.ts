import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, otherTenantKey, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

describe('GET /v1/issues org_id / env_id', () => {
	it('accepts the key\'s own org and environment, like every other list', async () => {
		const auth = await t.ctx.keys.authenticate(t.key)
		const res = await t.call('GET', `/v1/issues?org_id=${auth.orgId}&env_id=${auth.envId}&status=all`)
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual({ issues: [], pagination: { total: 0, limit: 50, offset: 0, has_more: false } })
	})

	it('403 for another org or environment, even one that exists', async () => {
		const other = await otherTenantKey(t)
		for (const q of [`org_id=${other.orgId}`, `env_id=${other.envId}`, 'env_id=env_other']) {
			const res = await t.call('GET', `/v1/issues?${q}`)
			expect({ q, status: res.status }).toEqual({ q, status: 403 })
			expect(await res.json()).toMatchObject({ status: 403, request_id: expect.stringMatching(/^req_/) })
		}
	})
})
