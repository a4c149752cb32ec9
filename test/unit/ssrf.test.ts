import { describe, expect, it } from 'bun:test'
import { defaultGuard, isBlockedAddress, pinUrl } from '../../src/delivery/ssrf'

describe('SSRF guard', () => {
	it('refuses private, loopback, link-local, metadata and smuggled forms', () => {
		for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', 'fec0::1', '::ffff:127.0.0.1', '::127.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::', '224.0.0.1', 'not-an-ip']) {
			expect({ a, blocked: isBlockedAddress(a) }).toEqual({ a, blocked: true })
		}
	})

	it('allows public addresses', () => {
		for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect({ a, blocked: isBlockedAddress(a) }).toEqual({ a, blocked: false })
	})

	it('checks literal hosts in URLs, including shorthand and bracketed forms', async () => {
		for (const url of ['http://127.0.0.1/', 'http://[::1]:8080/', 'http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://localhost/']) {
			await expect(pinUrl(new URL(url), defaultGuard(false))).rejects.toThrow('private or internal')
		}
		expect(await pinUrl(new URL('http://127.0.0.1/'), defaultGuard(true))).toEqual({ url: 'http://127.0.0.1/', address: '127.0.0.1', host: '127.0.0.1', serverName: null, tls: false, port: 80, path: '/' })
	})
})
