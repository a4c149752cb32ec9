import type { ValidateFunction } from 'ajv'
import { IpList } from '../lib/cidr'
import type { SecretBox } from '../lib/crypto'
import { compileJsonSchema } from '../lib/json-schema'
import { SingleFlightCache } from '../lib/single-flight-cache'
import type { SourceRow, SourcesRepo } from '../sources/repo'
import type { DedupStrategy } from '../sources/rules'
import { openSecrets } from '../sources/secrets'
import { normalizeVerificationType, type VerifySettings } from '../verify/types'
import { type BoundHandshake, handshakeOf } from './handshake'

/** Everything ingest needs about a source, parsed and compiled once. */
export interface CompiledSource {
	row: SourceRow
	allow: IpList | null
	deny: IpList | null
	verify: VerifySettings | null
	schema: ValidateFunction | null
	dedup: { strategy: DedupStrategy; field: string | null; windowMs: number } | null
	/** The provider challenge this source answers (template or config), null for most sources. */
	handshake: BoundHandshake | null
	/** Requests accepted so far (ephemeral request limits), seeded from event_count. */
	accepted: number
}

const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T))

function compile(row: SourceRow, box: SecretBox): CompiledSource {
	const type = row.verification_type ? normalizeVerificationType(row.verification_type) : null
	const allow = parseJson<string[]>(row.ip_allowlist)
	const deny = parseJson<string[]>(row.ip_denylist)
	const schema = row.schema_validation_enabled ? parseJson<Record<string, unknown>>(row.json_schema) : null
	const config = parseJson<Record<string, unknown>>(row.verification_config)
	const secrets = row.verification_enabled ? openSecrets(box, row.verification_secret) : []
	return {
		row,
		allow: allow?.length ? new IpList(allow) : null,
		deny: deny?.length ? new IpList(deny) : null,
		// Fail closed: verification on with an unknown type still verifies (and the registry rejects it).
		verify: row.verification_enabled
			? {
					type: type ?? (row.verification_type as VerifySettings['type']),
					secrets,
					header: row.verification_header,
					config: config ?? {}
				}
			: null,
		schema: schema ? compileJsonSchema(schema) : null,
		dedup: row.dedup_enabled && row.dedup_strategy
			? { strategy: row.dedup_strategy as DedupStrategy, field: row.dedup_field, windowMs: row.dedup_window_seconds * 1000 }
			: null,
		accepted: row.event_count,
		handshake: handshakeOf(row.template, config, secrets)
	}
}

/**
 * Sources by id, compiled, kept in memory and dropped when the source changes:
 * the ingest hot path does no query for its configuration. Unknown ids are not
 * kept (anyone can send them), so a source created later is found at once.
 */
export class SourceCache {
	readonly #cache: SingleFlightCache<string, CompiledSource | null>

	constructor(repo: SourcesRepo, box: SecretBox) {
		this.#cache = new SingleFlightCache(async (id) => {
			const row = await repo.findById(id)
			return row ? compile(row, box) : null
		}, (source) => source !== null)
	}

	invalidate(id: string): void {
		this.#cache.invalidate(id)
	}

	/** Every source read afresh (changes made on another instance may have been missed). */
	clear(): void {
		this.#cache.clear()
	}

	/** The compiled source when it is in memory, without loading. */
	peek(id: string): CompiledSource | undefined {
		return this.#cache.peek(id) ?? undefined
	}

	/** By canonical id (the HTTP edge adds the prefix to a bare one). A miss loads once even under concurrent requests. */
	async get(id: string): Promise<CompiledSource | null> {
		return this.#cache.peek(id) ?? this.#cache.get(id)
	}
}
