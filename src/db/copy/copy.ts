import { ConfigError } from '../../lib/errors'
import type { Pg, PgQuery } from '../pg/client'
import { MIGRATION_LOCK, migratePg } from '../pg/migrate'
import { ConvertError, type ConvertStats, sizeOf } from './convert'
import { advanceSequences, byteSum, countRows, insertRows, nonEmpty, parentsFirst, readPgSchema } from './pg-target'
import { type CopyPlan, planCopy, type TablePlan } from './plan'
import type { SqliteSource } from './sqlite-source'

/**
 * Copies one SQLite install into an empty PostgreSQL database: every table, ids, counters and
 * bodies as stored (secrets stay sealed: same ciphertext, same key). One PostgreSQL transaction
 * holds the whole copy and its check, so a failure at any point leaves the target as empty as it
 * was and the command can simply be run again.
 */
export interface CopyReport {
	/** Rows per copied table, in copy order (parents before children). */
	tables: { table: string; rows: number }[]
	pgOnly: string[]
	migrationsApplied: number
	nulReplaced: number
	ms: number
}

/** Most rows in one INSERT (PostgreSQL takes at most 65,535 parameters per statement). */
const MAX_ROWS = 1000
const MAX_PARAMS = 60_000
/** Roughly this many bytes of values per INSERT, so a table of large bodies is not held in memory. */
const BATCH_BYTES = 8 * 1024 * 1024

export async function copySqliteToPg(source: SqliteSource, pg: Pg, onTable: (table: string, rows: number) => void = () => {}): Promise<CopyReport> {
	const started = performance.now()
	await migratePg(pg)
	const stats: ConvertStats = { nulReplaced: 0 }
	const { plan, tables } = await pg.tx(async (q) => {
		// Instances started meanwhile wait in their own migration step until this commits.
		await q.run('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
		// Timeouts an operator sets for the app role (research: 30 s statements) would cut a large copy short.
		await q.run('SET LOCAL statement_timeout = 0')
		await q.run('SET LOCAL idle_in_transaction_session_timeout = 0')
		const plan = planCopy(source, await readPgSchema(q), stats)
		const full = await nonEmpty(q, plan.tables.map((t) => t.table))
		if (full.length > 0) {
			const list = full.map((f) => `${f.table}: ${f.rows} row${f.rows === 1 ? '' : 's'}`).join(', ')
			throw new ConfigError(`the target database already holds data (${list}): migrate into a new, empty database`)
		}
		const byName = new Map(plan.tables.map((t) => [t.table, t]))
		const tables: CopyReport['tables'] = []
		for (const name of await parentsFirst(q, [...byName.keys()])) {
			const rows = await copyTable(q, source, byName.get(name) as TablePlan)
			tables.push({ table: name, rows })
			onTable(name, rows)
		}
		await verify(q, source, plan)
		return { plan, tables }
	})
	return { tables, pgOnly: plan.pgOnly, migrationsApplied: source.migrationsApplied, nulReplaced: stats.nulReplaced, ms: Math.round(performance.now() - started) }
}

/** Streams one table in multi-row INSERTs; returns the rows written. */
async function copyTable(q: PgQuery, source: SqliteSource, plan: TablePlan): Promise<number> {
	const maxRows = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / Math.max(1, plan.columns.length))))
	let batch: unknown[][] = []
	let bytes = 0
	let written = 0
	const flush = async () => {
		await insertRows(q, plan.table, plan.columns, batch)
		written += batch.length
		batch = []
		bytes = 0
	}
	// The SQLite connection is this command's alone (exclusive lock), so awaiting between reads is safe.
	for (const row of source.rows(plan.table, plan.columns.map((c) => c.name))) {
		const values = plan.columns.map((c, i) => convertValue(plan, i, row[c.name], row))
		for (const v of values) bytes += sizeOf(v)
		batch.push(values)
		if (batch.length >= maxRows || bytes >= BATCH_BYTES) await flush()
	}
	if (batch.length > 0) await flush()
	await advanceSequences(q, plan.table, plan.columns)
	return written
}

function convertValue(plan: TablePlan, i: number, value: unknown, row: Record<string, unknown>): unknown {
	try {
		return (plan.convert[i] as (v: unknown) => unknown)(value)
	} catch (e) {
		if (!(e instanceof ConvertError)) throw e
		const column = plan.columns[i]?.name
		const first = plan.columns[0]?.name ?? ''
		throw new ConvertError(`${plan.table}.${column} of the row with ${first} = ${String(row[first])}: ${e.message}`)
	}
}

/** Same row count per table and same bytes per BYTEA column on both sides, or the transaction rolls back. */
async function verify(q: PgQuery, source: SqliteSource, plan: CopyPlan): Promise<void> {
	for (const t of plan.tables) {
		const want = source.count(t.table)
		const got = await countRows(q, t.table)
		if (want !== got) throw new Error(`copy check failed: ${t.table} has ${want} rows in SQLite but ${got} in PostgreSQL; nothing was committed`)
		for (const column of t.bytea) {
			const [a, b] = [source.bytes(t.table, column), await byteSum(q, t.table, column)]
			if (a !== b) throw new Error(`copy check failed: ${t.table}.${column} holds ${a} bytes in SQLite but ${b} in PostgreSQL; nothing was committed`)
		}
	}
}
