import type { Config } from '../config'
import { ConvertError } from '../db/copy/convert'
import { copySqliteToPg, type CopyReport } from '../db/copy/copy'
import { openSqliteSource } from '../db/copy/sqlite-source'
import { connectPg, redactUrl } from '../db/pg/client'
import { ConfigError } from '../lib/errors'
import { installKey } from './install-key'

type Print = (line: string) => void

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

function checkTarget(config: Readonly<Config>, to: string): void {
	let scheme = ''
	try {
		scheme = new URL(to).protocol
	} catch {}
	if (scheme !== 'postgres:' && scheme !== 'postgresql:') throw new ConfigError('--to: expected postgres://user:password@host:5432/database')
	// The source is always the SQLite install in --data-dir; a second database URL would be ambiguous.
	if (config.databaseUrl !== null && config.databaseUrl !== to) {
		throw new ConfigError('migrate --to copies the SQLite install in --data-dir into the --to database: leave out --database-url (HOOKSTREAM_DATABASE_URL)')
	}
}

/**
 * `hookstream migrate --to postgres://…`: moves the SQLite install in --data-dir into an empty
 * PostgreSQL database. Refuses while a server uses the data dir, when the key given cannot open the
 * install's secrets, and when the target holds data; checks row counts and bytes before committing.
 */
export async function migrateToPgCommand(config: Readonly<Config>, to: string, out: Print, err: Print): Promise<number> {
	checkTarget(config, to)
	const source = openSqliteSource(config.dataDir)
	let report: CopyReport
	let keyFrom: string
	try {
		const key = installKey(config.encryptionKey, config.dataDir, source.sealed())
		if (key.warning) err(`hookstream: warning: ${key.warning}`)
		keyFrom = key.from
		out(`Copying ${source.path} into ${redactUrl(to)}`)
		const pg = connectPg(to, { max: 2 })
		try {
			report = await copySqliteToPg(source, pg, (table, rows) => rows > 0 && out(`  ${table.padEnd(24)} ${plural(rows, 'row')}`))
		} catch (e) {
			if (e instanceof ConfigError) throw e
			// The copy is one transaction: whatever failed, the target holds no copied row and the command can be rerun.
			const why = e instanceof ConvertError ? `a value cannot be stored in PostgreSQL: ${e.message}` : e instanceof Error ? e.message : String(e)
			err(`hookstream: migrate --to failed, no row was copied: ${why}`)
			return 1
		} finally {
			await pg.close()
		}
	} finally {
		source.close()
	}
	summary(report, keyFrom, to, out)
	return 0
}

function summary(report: CopyReport, keyFrom: string, to: string, out: Print): void {
	const rows = report.tables.reduce((n, t) => n + t.rows, 0)
	const empty = report.tables.filter((t) => t.rows === 0).length
	out(`Copied ${plural(rows, 'row')} in ${plural(report.tables.length, 'table')} (${empty} of them empty) in ${(report.ms / 1000).toFixed(1)} s.`)
	out('Checked before committing: the same row count in every table, and the same bytes in every binary column (bodies).')
	if (report.migrationsApplied > 0) out(`The data dir's database first received ${plural(report.migrationsApplied, 'pending SQLite migration')}.`)
	if (report.pgOnly.length > 0) out(`Tables only PostgreSQL has, left as created: ${report.pgOnly.join(', ')}.`)
	if (report.nulReplaced > 0) out(`${plural(report.nulReplaced, 'text value')} held NUL characters, which PostgreSQL text cannot store: each became U+FFFD.`)
	out('')
	out('Secrets were copied sealed: every instance on PostgreSQL must run with this install\'s encryption key.')
	const key = keyFrom === 'flag' ? '<the key you passed with --encryption-key>' : `"$(cat ${keyFrom})"`
	out(`  HOOKSTREAM_DATABASE_URL='${redactUrl(to)}' HOOKSTREAM_ENCRYPTION_KEY=${key} hookstream serve`)
	out('The data dir is left in place: keep it, with its key, as a backup. Do not start it again for traffic, or the two will diverge.')
}
