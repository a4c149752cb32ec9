import type { AuthContext } from '../auth/service'
import { type Clock, toIso } from '../lib/clock'
import { NotFound, ValidationFailed } from '../lib/errors'
import { newId } from '../lib/ids'
import type { ChannelsService } from './channels'
import type { CreateRuleBody, RuleType, UpdateRuleBody } from './model'
import type { AlertsRepo, RuleRow } from './repo'
import { normalizeRuleConfig } from './rule-config'

/** Does a source or destination id belong to this environment? (The scope of a rule must.) */
export interface ScopeCheck {
	sourceExists(envId: string, id: string): Promise<boolean>
	destinationExists(envId: string, id: string): Promise<boolean>
}

/**
 * Delivery measures are kept per destination (the metrics rollups), so only
 * volume_drop, which counts a source's events, takes a source scope.
 */
function assertScopeFits(type: RuleType, sourceId: string | null | undefined): void {
	if (sourceId && type !== 'volume_drop') throw new ValidationFailed('/source_id', `scopes volume_drop rules only; ${type} rules are scoped by destination_id`)
}

export function wireRule(r: RuleRow) {
	return {
		id: r.id, org_id: r.org_id, env_id: r.env_id, name: r.name, description: r.description, enabled: r.enabled, rule_type: r.rule_type,
		rule_config: r.rule_config, source_id: r.source_id, destination_id: r.destination_id, channel_ids: r.channel_ids, cooldown_minutes: r.cooldown_minutes,
		last_triggered_at: toIso(r.last_triggered_at), trigger_count: r.trigger_count, state: r.state, last_evaluated_at: toIso(r.last_evaluated_at),
		last_value: r.last_value, created_at: toIso(r.created_at), updated_at: toIso(r.updated_at)
	}
}

/** Reference §2.10: alert rule CRUD. Evaluation lives in evaluator.ts. */
export class RulesService {
	constructor(
		private readonly repo: AlertsRepo,
		private readonly channels: ChannelsService,
		private readonly scope: ScopeCheck,
		private readonly clock: Clock
	) {}

	async #find(auth: AuthContext, id: string): Promise<RuleRow> {
		const row = await this.repo.rule(id)
		if (!row || row.env_id !== auth.envId) throw new NotFound('Alert rule')
		return row
	}

	async #checkRefs(auth: AuthContext, b: { source_id?: string | null | undefined; destination_id?: string | null | undefined; channel_ids?: string[] | undefined }) {
		if (b.source_id && !(await this.scope.sourceExists(auth.envId, b.source_id))) throw new NotFound('Source')
		if (b.destination_id && !(await this.scope.destinationExists(auth.envId, b.destination_id))) throw new NotFound('Destination')
		if (b.channel_ids) await this.channels.assertExist(auth, b.channel_ids)
	}

	async create(auth: AuthContext, body: CreateRuleBody) {
		const config = body.rule_config ?? {}
		normalizeRuleConfig(body.rule_type, config)
		assertScopeFits(body.rule_type, body.source_id)
		await this.#checkRefs(auth, body)
		const now = this.clock.now()
		const row: RuleRow = {
			id: newId('ar'), org_id: auth.orgId, env_id: auth.envId, name: body.name, description: body.description ?? null, enabled: body.enabled === false ? 0 : 1,
			rule_type: body.rule_type, rule_config: JSON.stringify(config), source_id: body.source_id ?? null, destination_id: body.destination_id ?? null,
			channel_ids: JSON.stringify([...new Set(body.channel_ids ?? [])]), cooldown_minutes: body.cooldown_minutes ?? 60, last_triggered_at: null, trigger_count: 0,
			state: 'ok', last_breach_at: null, last_evaluated_at: null, last_value: null, created_at: now, updated_at: now
		}
		await this.repo.insertRule(row)
		return wireRule(row)
	}

	async list(auth: AuthContext) {
		return (await this.repo.rules(auth.envId)).map(wireRule)
	}

	async get(auth: AuthContext, id: string) {
		return wireRule(await this.#find(auth, id))
	}

	async update(auth: AuthContext, id: string, body: UpdateRuleBody) {
		const row = await this.#find(auth, id)
		assertScopeFits(row.rule_type as RuleType, body.source_id)
		await this.#checkRefs(auth, body)
		const fields: Partial<RuleRow> = { updated_at: this.clock.now() }
		if (body.rule_config !== undefined) {
			normalizeRuleConfig(row.rule_type as RuleType, body.rule_config)
			fields.rule_config = JSON.stringify(body.rule_config)
		}
		if (body.name !== undefined) fields.name = body.name
		if (body.description !== undefined) fields.description = body.description
		if (body.enabled !== undefined) fields.enabled = body.enabled ? 1 : 0
		if (body.source_id !== undefined) fields.source_id = body.source_id
		if (body.destination_id !== undefined) fields.destination_id = body.destination_id
		if (body.channel_ids !== undefined) fields.channel_ids = JSON.stringify([...new Set(body.channel_ids)])
		if (body.cooldown_minutes !== undefined) fields.cooldown_minutes = body.cooldown_minutes
		await this.repo.updateRule(id, fields)
		return wireRule(await this.#find(auth, id))
	}

	async remove(auth: AuthContext, id: string): Promise<void> {
		await this.#find(auth, id)
		await this.repo.deleteRule(id)
	}
}
