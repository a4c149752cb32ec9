/**
 * Hand-drawn SVG charts: a chart library would cost more of the 150 KB bundle
 * budget than the whole dashboard. Colours come from CSS classes (.s0, .s1, …)
 * so light and dark mode follow the page's variables. Each chart is an image
 * with a spoken summary, plus its numbers as a table behind a disclosure for
 * keyboard and screen-reader users.
 */

export interface Series {
	name: string
	values: (number | null)[]
}

const W = 640
const H = 180
const PAD = { left: 56, right: 8, top: 10, bottom: 26 }

/** A round axis maximum (1, 2, 5 × 10^n) at or above the data's top. */
function niceMax(max: number): number {
	if (max <= 0) return 1
	const p = 10 ** Math.floor(Math.log10(max))
	for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p
	return 10 * p
}

function Axes({ labels, top, unit }: { labels: string[]; top: number; unit: string }) {
	const plotH = H - PAD.top - PAD.bottom
	const plotW = W - PAD.left - PAD.right
	const every = Math.max(1, Math.ceil(labels.length / 6))
	const step = plotW / Math.max(labels.length, 1)
	return (
		<g class="axes" aria-hidden="true">
			{[0, 0.5, 1].map((f) => {
				const y = PAD.top + plotH * (1 - f)
				return (
					<g key={f}>
						<line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} class="grid" />
						<text x={PAD.left - 4} y={y + 4} text-anchor="end">{fmt(top * f)}{unit}</text>
					</g>
				)
			})}
			{labels.map((l, i) => (i % every === 0 ? <text key={i} x={PAD.left + step * (i + 0.5)} y={H - 6} text-anchor="middle">{l}</text> : null))}
		</g>
	)
}

export function fmt(n: number): string {
	if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`
	if (n >= 1e4) return `${+(n / 1e3).toFixed(1)}k`
	return String(Math.round(n * 100) / 100)
}

function DataTable({ labels, series, unit }: { labels: string[]; series: Series[]; unit: string }) {
	return (
		<details class="chart-data">
			<summary>Show the numbers</summary>
			<div class="chart-scroll" tabIndex={0} role="region" aria-label="The chart's numbers">
			<table class="table">
				<thead><tr><th>Time</th>{series.map((s) => <th key={s.name}>{s.name}</th>)}</tr></thead>
				<tbody>
					{labels.map((l, i) => (
						<tr key={i}><td>{l}</td>{series.map((s) => <td key={s.name}>{s.values[i] === null ? '—' : `${fmt(s.values[i] as number)}${unit}`}</td>)}</tr>
					))}
				</tbody>
			</table>
			</div>
		</details>
	)
}

function Legend({ series }: { series: Series[] }) {
	if (series.length < 2) return null
	return (
		<ul class="legend" aria-hidden="true">
			{series.map((s, i) => <li key={s.name}><span class={`swatch s${i}`} />{s.name}</li>)}
		</ul>
	)
}

interface ChartProps {
	title: string
	labels: string[]
	series: Series[]
	unit?: string
	/** A fixed axis top (100 for percentages); otherwise from the data. */
	max?: number
	summary: string
	testid?: string
}

/** Stacked bars, one stack per time bucket. */
export function BarChart({ title, labels, series, unit = '', max, summary, testid }: ChartProps) {
	const totals = labels.map((_, i) => series.reduce((a, s) => a + (s.values[i] ?? 0), 0))
	const top = max ?? niceMax(Math.max(0, ...totals))
	const plotH = H - PAD.top - PAD.bottom
	const step = (W - PAD.left - PAD.right) / Math.max(labels.length, 1)
	const bw = Math.max(1, step * 0.8)
	return (
		<figure class="chart" data-testid={testid}>
			<figcaption>{title}</figcaption>
			<svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${summary}`}>
				<Axes labels={labels} top={top} unit={unit} />
				{labels.map((l, i) => {
					let y = PAD.top + plotH
					return series.map((s, k) => {
						const v = s.values[i] ?? 0
						const h = (v / top) * plotH
						y -= h
						return v > 0 ? <rect key={`${i}-${k}`} class={`s${k}`} x={PAD.left + step * i + (step - bw) / 2} y={y} width={bw} height={h}><title>{`${l} · ${s.name}: ${fmt(v)}${unit}`}</title></rect> : null
					})
				})}
			</svg>
			<Legend series={series} />
			<DataTable labels={labels} series={series} unit={unit} />
		</figure>
	)
}

/** Lines, one per series; a null value breaks the line (no data in that bucket). */
export function LineChart({ title, labels, series, unit = '', max, summary, testid }: ChartProps) {
	const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null))
	const top = max ?? niceMax(Math.max(0, ...all))
	const plotH = H - PAD.top - PAD.bottom
	const step = (W - PAD.left - PAD.right) / Math.max(labels.length, 1)
	const x = (i: number) => PAD.left + step * (i + 0.5)
	const y = (v: number) => PAD.top + plotH * (1 - Math.min(v, top) / top)
	const path = (values: (number | null)[]) => {
		let d = ''
		let pen = false
		values.forEach((v, i) => {
			if (v === null) return void (pen = false)
			d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`
			pen = true
		})
		return d
	}
	return (
		<figure class="chart lines" data-testid={testid}>
			<figcaption>{title}</figcaption>
			<svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${summary}`}>
				<Axes labels={labels} top={top} unit={unit} />
				{series.map((s, k) => (
					<g key={s.name} class={`line s${k}`}>
						<path d={path(s.values)} />
						{s.values.map((v, i) => (v === null ? null : <circle key={i} cx={x(i)} cy={y(v)} r={labels.length > 60 ? 1.2 : 2.5}><title>{`${labels[i]} · ${s.name}: ${fmt(v)}${unit}`}</title></circle>))}
					</g>
				))}
			</svg>
			<Legend series={series} />
			<DataTable labels={labels} series={series} unit={unit} />
		</figure>
	)
}
