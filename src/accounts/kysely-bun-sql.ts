import type { SQL } from 'bun'
import {
	type CompiledQuery,
	type DatabaseConnection,
	type Dialect,
	type Driver,
	type Kysely,
	PostgresAdapter,
	PostgresIntrospector,
	PostgresQueryCompiler,
	type QueryResult,
	type TransactionSettings
} from 'kysely'
import { normalize } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'

/**
 * A Kysely dialect over Bun's built-in PostgreSQL client, so Better Auth runs on
 * the same Bun.SQL pool as the repos: no `pg`/`postgres` package, nothing for
 * `bun build --compile` to miss. Kysely ships its PostgreSQL SQL compiler; only
 * the driver (how a compiled query reaches the server) is ours.
 *
 * Outside a transaction a query goes to the pool like any repo query. A connection
 * is reserved only from BEGIN to COMMIT/ROLLBACK, so Better Auth never pins a pool
 * slot for the plain reads it does on every cookie request.
 */
export class BunSqlDialect implements Dialect {
	constructor(private readonly sql: SQL) {}

	createAdapter() {
		return new PostgresAdapter()
	}
	createDriver(): Driver {
		return new BunSqlDriver(this.sql)
	}
	createQueryCompiler() {
		return new PostgresQueryCompiler()
	}
	createIntrospector(db: Kysely<unknown>) {
		return new PostgresIntrospector(db)
	}
}

type Client = Pick<SQL, 'unsafe'>
type Reserved = Awaited<ReturnType<SQL['reserve']>>
type BunResult = Record<string, unknown>[] & { command?: string; count?: number | null }

const SELECT = /^\s*select\b/i

/** Statements whose count is rows changed (what Kysely reports as numAffectedRows). */
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])

class BunSqlConnection implements DatabaseConnection {
	/** The connection held for an open transaction; null when queries go to the pool. */
	private reserved: Reserved | null = null

	constructor(private readonly pool: SQL) {}

	async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
		const params = [...query.parameters]
		const send = () => this.run(query.sql, params)
		// A read outside a transaction is sent again when the pool lost its connection (as the repos' reads are).
		const res = this.reserved === null && SELECT.test(query.sql) ? await retryRead(send) : await send()
		const changed = res.command && WRITES.has(res.command) ? BigInt(res.count ?? 0) : undefined
		return { rows: normalize<R>([...res]), ...(changed === undefined ? {} : { numAffectedRows: changed }) }
	}

	/** Kysely's interface requires it; Better Auth never streams. */
	async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
		throw new Error('streaming queries are not supported over Bun.SQL')
	}

	async begin(settings: TransactionSettings): Promise<void> {
		if (this.reserved) throw new Error('a transaction is already open on this connection')
		this.reserved = await this.pool.reserve()
		let text = 'begin'
		if (settings.isolationLevel || settings.accessMode) {
			text = ['start transaction', settings.isolationLevel && `isolation level ${settings.isolationLevel}`, settings.accessMode].filter(Boolean).join(' ')
		}
		try {
			await this.run(text, [])
		} catch (err) {
			this.release(true)
			throw err
		}
	}

	/** COMMIT of a transaction an earlier error aborted answers ROLLBACK: that is a failure, not a success. */
	async commit(): Promise<void> {
		try {
			const res = await this.run('commit', [])
			if (res.command === 'ROLLBACK') throw new Error('the transaction was aborted by an earlier error and rolled back')
		} finally {
			this.release(false)
		}
	}

	async rollback(): Promise<void> {
		let broken = true
		try {
			await this.run('rollback', [])
			broken = false
		} finally {
			// A connection whose ROLLBACK failed may still be inside the transaction: close it rather than pool it.
			this.release(broken)
		}
	}

	/** Ends the transaction's hold on its connection (Kysely releases after commit/rollback, or on error). */
	release(discard: boolean): void {
		const conn = this.reserved
		this.reserved = null
		if (!conn) return
		void (discard ? conn.close() : conn.release()).catch(() => {})
	}

	private async run(text: string, params: unknown[]): Promise<BunResult> {
		const client: Client = this.reserved ?? this.pool
		return (await client.unsafe(text, params)) as unknown as BunResult
	}
}

class BunSqlDriver implements Driver {
	constructor(private readonly pool: SQL) {}

	async init(): Promise<void> {}

	async acquireConnection(): Promise<DatabaseConnection> {
		return new BunSqlConnection(this.pool)
	}

	async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
		await (conn as BunSqlConnection).begin(settings)
	}

	async commitTransaction(conn: DatabaseConnection): Promise<void> {
		await (conn as BunSqlConnection).commit()
	}

	async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
		await (conn as BunSqlConnection).rollback()
	}

	async releaseConnection(conn: DatabaseConnection): Promise<void> {
		// Only reached with a transaction still open when begin's caller failed before commit/rollback ran.
		;(conn as BunSqlConnection).release(true)
	}

	/** The pool belongs to the store, which closes it. */
	async destroy(): Promise<void> {}
}
