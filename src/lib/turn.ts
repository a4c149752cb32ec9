/**
 * Resolves after the I/O and timers already waiting: long background work (retention, rollups,
 * flushes) awaits this between its steps so queued ingest writes and answers go first.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
