/**
 * bench:ingest's hookstream configurations, shared by the ingest benchmarks (ingest.ts, ab.ts,
 * perf-split.ts, cpu-split.ts, contract-floor.ts): the source each one creates, the headers and
 * secrets each request is signed with, what wrk adds per request, and the contract floors.
 *   (a) a source without verification
 *   (b) hmac_sha256
 *   (c) the Stripe template with payload_hash dedup: one body, so duplicates after the first
 *   (d) as (c), deduplicated by a header unique per request: every event writes its dedup key
 */
import { createHmac } from 'node:crypto'
import { INGEST_BODY } from './tools'

export type IngestConfig = 'a' | 'b' | 'c' | 'd'
export const INGEST_CONFIGS: readonly IngestConfig[] = ['a', 'b', 'c', 'd']

/** The secrets (b) and (c) are signed with (also bench/contract-floor-server.ts, which checks them as they do). */
export const BENCH_SECRETS = { hmac: 'bench-hmac-secret', stripe: 'whsec_bench_secret' } as const
const { hmac: HMAC_SECRET, stripe: STRIPE_SECRET } = BENCH_SECRETS
/** (d)'s dedup key: a value no other request has (bench/lib/tools.ts wrk). */
export const UNIQUE_HEADER = 'x-delivery-id'

export const SOURCE_SPECS: Record<IngestConfig, Record<string, unknown>> = {
	a: { name: 'a', slug: 'bench-a' },
	b: { name: 'b', slug: 'bench-b', verification_type: 'hmac_sha256', verification_header: 'X-Signature', verification_secret: HMAC_SECRET },
	c: { name: 'c', slug: 'bench-c', template: 'stripe', verification_secret: STRIPE_SECRET, dedup_enabled: true, dedup_strategy: 'payload_hash' },
	d: { name: 'd', slug: 'bench-d', template: 'stripe', verification_secret: STRIPE_SECRET, dedup_enabled: true, dedup_strategy: 'header_field', dedup_field: UNIQUE_HEADER }
}

const JSON_TYPE = { 'content-type': 'application/json' }

/** The request headers of a configuration; Stripe's are signed now, so call it right before each run (300 s tolerance). */
export function signedHeaders(config: IngestConfig, body = INGEST_BODY): Record<string, string> {
	if (config === 'a') return JSON_TYPE
	if (config === 'b') return { ...JSON_TYPE, 'x-signature': `sha256=${createHmac('sha256', HMAC_SECRET).update(body).digest('hex')}` }
	const ts = Math.floor(Date.now() / 1000)
	return { ...JSON_TYPE, 'stripe-signature': `t=${ts},v1=${createHmac('sha256', STRIPE_SECRET).update(`${ts}.${body}`).digest('hex')}` }
}

/** What wrk adds to each request of a configuration (bench/lib/tools.ts wrk options). */
export const wrkExtra = (config: IngestConfig): { uniqueHeader?: string } => (config === 'd' ? { uniqueHeader: UNIQUE_HEADER } : {})

/**
 * The ingest contract floors (bench/contract-floor-server.ts), by name: the options each starts with (all on
 * hookstream's checkpoint thread) and the configuration whose requests it is sent, whose like-for-like floor it is.
 */
export const CONTRACT_FLOORS = {
	contract: { options: ['checkpointer'], like: 'a' },
	'contract-b': { options: ['checkpointer', 'hmac'], like: 'b' },
	'contract-c': { options: ['checkpointer', 'stripe'], like: 'c' }
} as const satisfies Record<string, { options: readonly string[]; like: IngestConfig }>
export type ContractFloor = keyof typeof CONTRACT_FLOORS
export const isContractFloor = (name: string): name is ContractFloor => Object.hasOwn(CONTRACT_FLOORS, name)
