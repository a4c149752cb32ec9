/**
 * A strict parser of the Prometheus text exposition format 0.0.4, written from
 * the format's specification to check our output (no maintained parser is a
 * dependency here). It throws on anything a Prometheus server would reject.
 */
export interface Sample { name: string; labels: Record<string, string>; value: number }
export interface MetricFamily { name: string; type: string; help: string; samples: Sample[] }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function parseLabels(text: string, line: string): Record<string, string> {
	const labels: Record<string, string> = {}
	let i = 0
	while (i < text.length) {
		const eq = text.indexOf('=', i)
		const key = text.slice(i, eq)
		if (eq < 0 || !LABEL.test(key) || text[eq + 1] !== '"') throw new Error(`bad label in: ${line}`)
		let value = ''
		let j = eq + 2
		for (; j < text.length && text[j] !== '"'; j++) {
			if (text[j] === '\\') {
				const next = text[++j]
				if (next === 'n') value += '\n'
				else if (next === '\\' || next === '"') value += next
				else throw new Error(`bad escape in: ${line}`)
			} else value += text[j]
		}
		if (j >= text.length) throw new Error(`unterminated label value in: ${line}`)
		if (key in labels) throw new Error(`duplicate label ${key} in: ${line}`)
		labels[key] = value
		i = j + 1
		if (text[i] === ',') i++
		else if (i !== text.length) throw new Error(`expected , in: ${line}`)
	}
	return labels
}

function parseValue(text: string, line: string): number {
	if (text === '+Inf') return Number.POSITIVE_INFINITY
	if (text === '-Inf') return Number.NEGATIVE_INFINITY
	if (text === 'NaN') return Number.NaN
	if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value in: ${line}`)
	return Number(text)
}

export function parsePrometheus(text: string): Map<string, MetricFamily> {
	const families = new Map<string, MetricFamily>()
	if (!text.endsWith('\n')) throw new Error('exposition must end with a newline')
	for (const line of text.slice(0, -1).split('\n')) {
		const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
		if (meta) {
			const [, kind, name, rest] = meta as unknown as [string, string, string, string]
			if (!NAME.test(name)) throw new Error(`bad metric name ${name}`)
			const f = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] }
			if (kind === 'TYPE') {
				if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type ${rest}`)
				if (f.samples.length > 0 || f.type !== 'untyped') throw new Error(`TYPE of ${name} after its samples or twice`)
				f.type = rest
			} else f.help = rest
			families.set(name, f)
			continue
		}
		if (line.startsWith('#')) continue
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
		if (!m) throw new Error(`bad sample line: ${line}`)
		const [, name, labelText, valueText] = m as unknown as [string, string, string | undefined, string]
		const base = [...families.keys()].find((f) => name === f || (families.get(f)?.type === 'histogram' && [`${f}_bucket`, `${f}_sum`, `${f}_count`].includes(name)))
		if (!base) throw new Error(`sample ${name} has no TYPE before it`)
		families.get(base)?.samples.push({ name, labels: labelText ? parseLabels(labelText, line) : {}, value: parseValue(valueText, line) })
	}
	for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f)
	return families
}

/** Buckets cumulative and ending at +Inf, which equals _count, per label set. */
function checkHistogram(f: MetricFamily): void {
	const series = new Map<string, Sample[]>()
	for (const s of f.samples.filter((x) => x.name.endsWith('_bucket'))) {
		const { le, ...rest } = s.labels
		if (le === undefined) throw new Error(`${f.name} bucket without le`)
		const key = JSON.stringify(rest)
		series.set(key, [...(series.get(key) ?? []), s])
	}
	for (const [key, buckets] of series) {
		let last = -1
		let lastLe = Number.NEGATIVE_INFINITY
		for (const b of buckets) {
			const le = b.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(b.labels.le)
			if (!(le > lastLe) || b.value < last) throw new Error(`${f.name}${key}: buckets not increasing`)
			last = b.value
			lastLe = le
		}
		if (lastLe !== Number.POSITIVE_INFINITY) throw new Error(`${f.name}${key}: no +Inf bucket`)
		const count = f.samples.find((s) => s.name === `${f.name}_count` && JSON.stringify(s.labels) === key)
		if (count?.value !== last) throw new Error(`${f.name}${key}: _count differs from the +Inf bucket`)
	}
}

export function valueOf(families: Map<string, MetricFamily>, family: string, labels: Record<string, string>, name = family): number | undefined {
	return families.get(family)?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}
