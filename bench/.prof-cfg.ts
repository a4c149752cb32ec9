import { signedHeaders, SOURCE_SPECS, wrkExtra, type IngestConfig } from './lib/configs'
import { startHookstream } from './lib/hookstream'
import { INGEST_BODY as body, wrk } from './lib/tools'
const cfgs = (process.env.CFGS ?? 'a,b,c').split(',') as IngestConfig[]
for (const c of cfgs) {
	process.env.PROF_DIR = `/tmp/s7/prof-${c}`
	const hs = await startHookstream([], { bin: '/tmp/hs-prof' })
	const { source } = await hs.api<{ source: { id: string } }>('POST', '/v1/sources', SOURCE_SPECS[c])
	const url = `${hs.base}/v1/ingest/${source.id}`
	await wrk(url, { body, headers: signedHeaders(c), connections: 32, seconds: 3, threads: 1, ...wrkExtra(c) })
	const r = await wrk(url, { body, headers: signedHeaders(c), connections: 32, seconds: 10, threads: 1, ...wrkExtra(c) })
	console.log(c, r.requests, r.rps.toFixed(0))
	hs.proc.kill('SIGTERM')
	await hs.proc.exited
}
