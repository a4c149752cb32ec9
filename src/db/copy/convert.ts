/**
 * SQLite value → PostgreSQL parameter, chosen by the target column's type. The schemas
 * match column for column; only Better Auth's columns differ in type (SQLite keeps its dates
 * as ISO text and its booleans as 0/1, PostgreSQL has timestamptz and boolean).
 */
export type Convert = (value: unknown) => unknown

export interface ConvertStats {
	/** Text values holding NUL characters, which PostgreSQL text cannot store. */
	nulReplaced: number
}

export class ConvertError extends Error {}

const utf8 = new TextDecoder()

function toBoolean(v: unknown): boolean {
	if (typeof v === 'boolean') return v
	if (v === 0 || v === 0n || v === '0' || v === 'false') return false
	if (v === 1 || v === 1n || v === '1' || v === 'true') return true
	throw new ConvertError(`expected 0 or 1, got ${JSON.stringify(String(v))}`)
}

/** ISO text (what Better Auth writes on SQLite) or epoch ms. */
function toDate(v: unknown): Date {
	const d = typeof v === 'string' ? new Date(/^\d+$/.test(v) ? Number(v) : v) : typeof v === 'number' || typeof v === 'bigint' ? new Date(Number(v)) : null
	if (d === null || Number.isNaN(d.getTime())) throw new ConvertError(`expected a date, got ${JSON.stringify(String(v))}`)
	return d
}

function toBytes(v: unknown): Uint8Array {
	if (v instanceof Uint8Array) return v
	// SQLite stores text as UTF-8: these are the very bytes it held.
	if (typeof v === 'string') return Buffer.from(v, 'utf8')
	throw new ConvertError(`expected bytes, got ${typeof v}`)
}

function toInteger(v: unknown): bigint | number {
	if (typeof v === 'bigint') return v
	if (typeof v === 'number' && Number.isInteger(v)) return v
	if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v)
	throw new ConvertError(`expected an integer, got ${JSON.stringify(String(v))}`)
}

function toFloat(v: unknown): number {
	if (typeof v === 'number') return v
	if (typeof v === 'bigint') return Number(v)
	if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
	throw new ConvertError(`expected a number, got ${JSON.stringify(String(v))}`)
}

function toText(v: unknown, stats: ConvertStats): string {
	const s = typeof v === 'string' ? v : v instanceof Uint8Array ? utf8.decode(v) : String(v)
	if (!s.includes('\0')) return s
	stats.nulReplaced++
	return s.replaceAll('\0', '\uFFFD')
}

/** The converter for one column, by its PostgreSQL `information_schema` data type. NULL stays NULL. */
export function converterFor(pgType: string, stats: ConvertStats): Convert {
	const convert = pick(pgType, stats)
	return (v) => (v === null || v === undefined ? null : convert(v))
}

function pick(pgType: string, stats: ConvertStats): Convert {
	switch (pgType) {
		case 'boolean':
			return toBoolean
		case 'timestamp with time zone':
		case 'timestamp without time zone':
		case 'date':
			return toDate
		case 'bytea':
			return toBytes
		case 'bigint':
		case 'integer':
		case 'smallint':
			return toInteger
		case 'double precision':
		case 'real':
		case 'numeric':
			return toFloat
		case 'text':
		case 'character varying':
		case 'character':
			return (v) => toText(v, stats)
		default:
			// A type no migration uses today: hand the value over and let PostgreSQL judge it.
			return (v) => v
	}
}

/** Rough size of a converted value, to bound one INSERT's payload. */
export function sizeOf(v: unknown): number {
	if (v === null) return 1
	if (typeof v === 'string') return v.length * 3
	if (v instanceof Uint8Array) return v.byteLength
	return 8
}
