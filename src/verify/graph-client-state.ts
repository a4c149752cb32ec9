/**
 * Microsoft Graph change notifications (`graph_client_state`): nothing is
 * signed; each notification in `{"value": [...]}` carries the `clientState`
 * the subscriber chose, which must equal a configured secret. Every entry
 * must match, so one forged entry cannot ride along with a genuine one.
 * No header, no config. Rich notifications' encrypted content is not checked.
 */
import { bodyText, jsonObject, stringAt } from './body-fields'
import { secretDigests, sha256 } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { safeEqualBytes } from './util'

/** True when the body is a Graph notification batch whose every clientState is a configured secret. */
export function verifyGraphClientState(req: VerifyRequest, settings: VerifySettings): boolean {
	const value = jsonObject(bodyText(req.body))?.value
	if (!Array.isArray(value) || value.length === 0) return false
	const secrets = secretDigests(settings).options ?? []
	if (secrets.length === 0) return false
	return value.every((entry) => {
		const state = stringAt(entry, 'clientState')
		if (state === null) return false
		const received = sha256(state)
		let ok = false
		for (const secret of secrets) ok = safeEqualBytes(secret, received) || ok
		return ok
	})
}
