import type { Config } from '../config'
import { createContext } from '../context'
import { toIso } from '../lib/clock'

type Out = (line: string) => void

/** `--create-admin-key` / `keys create`: the plaintext key alone on the last line of stdout. */
export async function createKeyCommand(config: Readonly<Config>, name: string, out: Out): Promise<number> {
	const ctx = await createContext(config)
	try {
		const key = await ctx.keys.createKey(name)
		out(`Created API key ${key.id} (${key.name}) for organization ${key.org_id}, environment ${key.env_id}.`)
		out('Store it now: it is shown only once.')
		out(key.key)
		return 0
	} finally {
		await ctx.close()
	}
}

export async function listKeysCommand(config: Readonly<Config>, out: Out): Promise<number> {
	const ctx = await createContext(config)
	try {
		const rows = await ctx.keys.list()
		if (rows.length === 0) out('No API keys. Create one with: hookstream --create-admin-key')
		for (const r of rows) {
			out([r.id, r.key_prefix + '…', r.revoked ? 'revoked' : 'active', `requests=${r.request_count}`, `last_used=${toIso(r.last_used_at) ?? 'never'}`, `created=${toIso(r.created_at)}`, r.name].join('\t'))
		}
		return 0
	} finally {
		await ctx.close()
	}
}

export async function revokeKeyCommand(config: Readonly<Config>, id: string | undefined, out: Out, err: Out): Promise<number> {
	if (!id) {
		err('Usage: hookstream keys revoke <id>')
		return 2
	}
	const ctx = await createContext(config)
	try {
		if (!(await ctx.keys.revoke(id))) {
			err(`No API key with id ${id}`)
			return 1
		}
		out(`Revoked ${id}`)
		return 0
	} finally {
		await ctx.close()
	}
}
