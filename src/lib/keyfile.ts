import { randomBytes } from 'node:crypto'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from './errors'

export const KEY_FILE = 'secret.key'

/**
 * The 32-byte key for secrets at rest: from config when given, else read from
 * (or created once in) the data dir with mode 0600. The exclusive create lets a
 * CLI and a server started together agree on one key.
 */
export function loadEncryptionKey(configured: string | null, dataDir: string): Buffer {
	if (configured) {
		const key = Buffer.from(configured, 'base64')
		if (key.length !== 32) throw new Error('--encryption-key must be 32 bytes, base64-encoded')
		return key
	}
	const path = join(dataDir, KEY_FILE)
	try {
		writeFileSync(path, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 })
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
	}
	chmodSync(path, 0o600)
	const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')
	// The user's file to fix: one clear line at startup, no stack.
	if (key.length !== 32) throw new ConfigError(`${path} does not hold a 32-byte base64 key (restore it from your backup, or pass --encryption-key)`)
	return key
}
