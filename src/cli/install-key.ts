import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SecretBox } from '../lib/crypto'
import { ConfigError } from '../lib/errors'
import { KEY_FILE } from '../lib/keyfile'

/**
 * The key an install's secrets are sealed with, for `migrate --to`: the copy keeps them sealed
 * (same ciphertext), so every PostgreSQL instance must run with this very key. Unlike
 * `loadEncryptionKey` this never creates a key file: a fresh key would open nothing.
 */
export interface InstallKey {
	/** Where the key came from: --encryption-key, or the data dir's key file (its path). */
	from: 'flag' | string
	/** Said once, when the key cannot be proved but the copy may go on. */
	warning: string | null
}

function fileKey(path: string): Buffer | null {
	if (!existsSync(path)) return null
	const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')
	return key.length === 32 ? key : null
}

const opensAll = (key: Buffer, sealed: readonly string[]) => {
	const box = new SecretBox(key)
	return sealed.every((v) => box.canOpen(v))
}

/** `sealed`: one stored sealed value per secret column (empty when the install stores none). */
export function installKey(configured: string | null, dataDir: string, sealed: readonly string[]): InstallKey {
	const path = join(dataDir, KEY_FILE)
	const inFile = fileKey(path)
	if (configured) {
		const key = Buffer.from(configured, 'base64')
		if (!opensAll(key, sealed)) {
			const hint = inFile && opensAll(inFile, sealed) ? `; ${path} does, leave out --encryption-key to use it` : ''
			throw new ConfigError(`--encryption-key does not open the secrets stored in ${dataDir}: pass the key this install runs with${hint}`)
		}
		const warning = inFile && !inFile.equals(key) && sealed.length === 0
			? `--encryption-key differs from ${path} and no stored secret shows which one this install used; if it was the file's, signed-in users will have to sign in again`
			: null
		return { from: 'flag', warning }
	}
	if (!inFile) {
		throw new ConfigError(`no encryption key: ${path} is missing or not a 32-byte base64 key; pass --encryption-key with the key this install runs with`)
	}
	if (!opensAll(inFile, sealed)) {
		throw new ConfigError(`${path} does not open the secrets stored in ${dataDir}: pass --encryption-key with the key this install runs with`)
	}
	return { from: path, warning: null }
}
