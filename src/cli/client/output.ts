/**
 * Where a command writes: results on stdout (a table, or JSON with --json),
 * banners and progress on stderr so `| jq` only ever sees data.
 */
export interface Output {
	json: boolean
	line(text: string): void
	info(text: string): void
	error(text: string): void
	/** Prints `value` as JSON with --json, else runs `human`. */
	result(value: unknown, human: () => void): void
}

export function createOutput(json: boolean, write = (s: string) => process.stdout.write(s), writeErr = (s: string) => process.stderr.write(s)): Output {
	return {
		json,
		line: (text) => write(`${text}\n`),
		info: (text) => writeErr(`${text}\n`),
		error: (text) => writeErr(`hookstream: ${text}\n`),
		result(value, human) {
			if (json) write(`${JSON.stringify(value, null, 2)}\n`)
			else human()
		}
	}
}

/** A plain aligned table: readable in a terminal, stable for eyes and grep. */
export function table(out: Output, rows: Record<string, unknown>[], columns: string[]): void {
	if (rows.length === 0) return out.line('(none)')
	const cell = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v))
	const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
	const fmt = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
	out.line(fmt(columns.map((c) => c.toUpperCase())))
	for (const r of rows) out.line(fmt(columns.map((c) => cell(r[c]))))
}
