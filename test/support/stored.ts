import type { Store } from '../../src/store'

/**
 * Everything the store holds at rest, as text, for "never stored in clear" checks: on
 * SQLite the database file and its WAL (latin1, so any byte sequence survives); on
 * PostgreSQL every row of every table in the schema, as the server prints it (the data
 * files live on the server, and a text column holds exactly what a repo wrote).
 */
export async function storedText(store: Store, dataDir: string): Promise<string> {
	const backend = store.backend
	if (backend.kind === 'sqlite') {
		const raw = await Bun.file(`${dataDir}/hookstream.db`).arrayBuffer()
		const wal = await Bun.file(`${dataDir}/hookstream.db-wal`).arrayBuffer().catch(() => new ArrayBuffer(0))
		return Buffer.concat([Buffer.from(raw), Buffer.from(wal)]).toString('latin1')
	}
	const tables = await backend.pg.all<{ name: string }>(
		"SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	)
	const parts: string[] = []
	for (const { name } of tables) {
		const row = await backend.pg.get<{ s: string | null }>(`SELECT string_agg(x::text, E'\\n') AS s FROM "${name}" x`)
		if (row?.s) parts.push(row.s)
	}
	return parts.join('\n')
}
