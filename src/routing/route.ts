import { compileFilters, type FilterInput, type FilterRule } from './filters'

/** One way an event of a source may be routed: a connection to its destination, filters compiled once. */
export interface Route {
	connectionId: string
	destinationId: string
	orgId: string
	envId: string
	matches(input: FilterInput): boolean
}

/** The stored columns of a connection that a route is built from. */
export interface RoutableConnection {
	id: string
	org_id: string
	env_id: string
	destination_id: string
	filter_rules: string | null
}

export function routeOf(row: RoutableConnection): Route {
	return { connectionId: row.id, destinationId: row.destination_id, orgId: row.org_id, envId: row.env_id, matches: matcherOf(row.filter_rules) }
}

/** Stored rules were validated on write; anything unreadable routes nothing rather than everything. */
function matcherOf(filterRules: string | null): (input: FilterInput) => boolean {
	if (filterRules === null) return () => true
	try {
		const rules: unknown = JSON.parse(filterRules)
		if (Array.isArray(rules)) return compileFilters(rules as FilterRule[])
	} catch {}
	return () => false
}
