import { describe, expect, test } from 'bun:test'
import type { AttemptRow } from '../../src/delivery/repo'
import { ATTEMPT_COLUMNS, attemptValues } from '../../src/delivery/repo-sql'

describe('attemptValues', () => {
	test('gives every column of ATTEMPT_COLUMNS, in its order', () => {
		// A distinct value per column: any column missing, repeated or out of place shows.
		const row = Object.fromEntries(ATTEMPT_COLUMNS.map((c, i) => [c, `${c}#${i}`])) as unknown as AttemptRow
		expect(attemptValues(row)).toEqual(ATTEMPT_COLUMNS.map((c) => row[c]))
	})
})
