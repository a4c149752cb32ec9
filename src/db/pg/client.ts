import { SQL } from 'bun'

/**
 * The PostgreSQL side of the repos: Bun's built-in client (no npm dependency, so
 * `bun build --compile` needs nothing extra). Repos write the same `$1…` SQL as on
 * SQLite and get rows back in the same shapes: int8 columns and COUNT(*) arrive as
 * numbers (epoch-ms and counters stay far below 2^53), bytea as a Uint8Array.
 *
 * Portability notes for repo authors:
 * - SUM/AVG over integers return `numeric`, which Bun.SQL hands over as a string:
 *   cast them (`CAST(SUM(x) AS BIGINT)`), which is also valid SQLite.
 * - A parameter PostgreSQL cannot type from context (`$2 IS NULL`) needs a cast (`$2::text IS NULL`).
 * - Never keep a transaction open across network I/O (MVCC: see research/postgres.md).
 */
export type Params = readonly unknown[]

export interface PgQuery {
	all<T = Record<string, unknown>>(text: string, params?: Params): Promise<T[]>
	get<T = Record<string, unknown>>(text: string, params?: Params): Promise<T | null>
	/** Runs a statement; returns the number of rows it changed. */
	run(text: string, params?: Params): Promise<number>
}

export interface Pg extends PgQuery {
	/** The pool, for what the helpers do not cover (LISTEN/NOTIFY, reserve()). */
	readonly sql: SQL
	readonly url: string
	/** Runs `fn` in one transaction on one connection; rolls back when it throws. */
	tx<T>(fn: (q: PgQuery) => Promise<T>): Promise<T>
	close(): Promise<void>
}

type Client = Pick<SQL, 'unsafe'>

/** int8 arrives as a BigInt (the pool is opened with `bigint: true`); the API speaks numbers. */
export function normalize<T>(rows: Record<string, unknown>[]): T[] {
	for (const row of rows) {
		for (const key in row) {
			const v = row[key]
			if (typeof v === 'bigint') row[key] = Number(v)
		}
	}
	return rows as T[]
}

function queries(client: Client): PgQuery {
	return {
		async all<T>(text: string, params: Params = []) {
			return normalize<T>([...((await client.unsafe(text, params as unknown[])) as Record<string, unknown>[])])
		},
		async get<T>(text: string, params: Params = []) {
			const rows = normalize<T>([...((await client.unsafe(text, params as unknown[])) as Record<string, unknown>[])])
			return rows[0] ?? null
		},
		async run(text: string, params: Params = []) {
			const res = (await client.unsafe(text, params as unknown[])) as unknown as { count: number | null }
			return res.count ?? 0
		}
	}
}

export interface PgOptions {
	/** Pool size per instance (default 10). */
	max?: number
}

/** Opens the pool lazily (the first query connects); `SELECT 1` in `openPg` proves the URL works. */
export function connectPg(url: string, opts: PgOptions = {}): Pg {
	const sql = new SQL({ url, max: opts.max ?? 10, bigint: true, idleTimeout: 60, connectionTimeout: 10 })
	return {
		sql,
		url,
		...queries(sql),
		tx<T>(fn: (q: PgQuery) => Promise<T>): Promise<T> {
			return sql.begin((tx) => fn(queries(tx as unknown as Client))) as Promise<T>
		},
		async close() {
			await sql.close({ timeout: 5 })
		}
	}
}

/** A URL with the password replaced, for logs and errors. */
export function redactUrl(url: string): string {
	try {
		const u = new URL(url)
		if (u.password) u.password = '***'
		return u.toString()
	} catch {
		return 'postgres://…'
	}
}

/** PostgreSQL's SQLSTATE for a unique violation. */
export const PG_UNIQUE_VIOLATION = '23505'

export function isPgUniqueViolation(err: unknown): boolean {
	return err instanceof SQL.PostgresError && (err as { errno?: string }).errno === PG_UNIQUE_VIOLATION
}
