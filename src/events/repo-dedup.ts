import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import { nextTurn } from '../lib/turn'
import { FILTER_KEYS, FlushedKeysFilter } from './dedup-filter'
import { dedupKeyId, FIND_KEY, UPSERT_KEY } from './repo-sql'

/**
 * Held keys that start a flush into dedup_keys. More keys per flush land more of them on each
 * leaf of its primary key (the point of holding them); each costs ~200 B of memory meanwhile
 * (measured: 65,536 keys ≈ 13 MB of RSS, given back after the flush).
 */
export const FLUSH_KEYS = 65_536
/**
 * Keys moved per transaction of a flush: ingest's commits run between them, so none waits
 * more than ~2 ms for one (4,096 per transaction put (d)'s p99 at 42–47 ms).
 */
const FLUSH_CHUNK = 512
/** Held keys bucketed, log rows trimmed and dedup_keys rows read into the filter, per turn of the event loop. */
const FLUSH_STEP = 8_192
/** Keys held longer than this are flushed at the next retention sweep however few they are (mostly expired then: the log is trimmed). */
const FLUSH_AGE_MS = 600_000
/** After a failed flush (a full disk), the next try waits this long; the retention sweep reports the error. */
const RETRY_MS = 5_000

/** A key's newest event, while held in memory. `seq` is its dedup_log rowid. */
interface HeldKey {
	eventId: string
	expiresAt: number
	seq: number
}

/** Keys a batch logged, applied to memory only once its transaction commits (a rolled-back batch leaves none). */
export type StagedKeys = Map<string, { sourceId: string; keyHash: string; key: HeldKey }>

export interface DedupOptions {
	/** Held keys that start a flush (tests make it small). */
	flushKeys?: number
}

/** The SQLite statements of the window; SQLite only (PostgreSQL has no log). */
function dedupStatements(db: Database) {
	return {
		findKey: prepare<{ event_id: string; expires_at: number }, [string, string]>(db, FIND_KEY),
		upsertKey: prepare(db, UPSERT_KEY),
		logKey: prepare(db, 'INSERT INTO dedup_log (source_id, key_hash, event_id, expires_at) VALUES ($1, $2, $3, $4)'),
		readLog: prepare<{ seq: number; source_id: string; key_hash: string; event_id: string; expires_at: number }, []>(
			db,
			'SELECT rowid AS seq, source_id, key_hash, event_id, expires_at FROM dedup_log ORDER BY rowid'
		),
		/** The newest log row when a flush starts: rows past it were logged after it started (rowids only grow while rows remain). */
		lastLogged: prepare<{ seq: number | null }, []>(db, 'SELECT MAX(rowid) AS seq FROM dedup_log'),
		trimLog: prepare(db, 'DELETE FROM dedup_log WHERE rowid IN (SELECT rowid FROM dedup_log WHERE rowid <= $1 LIMIT $2)'),
		sourceExists: prepare<{ found: number }, [string]>(db, 'SELECT 1 AS found FROM sources WHERE id = $1'),
		latestExpiry: prepare<{ until: number | null }, []>(db, 'SELECT MAX(expires_at) AS until FROM dedup_keys'),
		keysAfter: prepare<{ rowid: number; source_id: string; key_hash: string; expires_at: number }, [number, number, number]>(
			db,
			'SELECT rowid, source_id, key_hash, expires_at FROM dedup_keys WHERE rowid > $1 AND rowid <= $2 ORDER BY rowid LIMIT $3'
		),
		lastKey: prepare<{ rowid: number | null }, []>(db, 'SELECT MAX(rowid) AS rowid FROM dedup_keys')
	}
}

/**
 * SQLite's dedup window. A new key would be a random insert into dedup_keys' primary key: one
 * leaf page written per event once the window outgrows a few pages. Instead the keys of the last
 * stretch are held in memory and logged to dedup_log, an append-only table written in the
 * event's own transaction (the page at its right edge); every FLUSH_KEYS keys the live ones
 * move into dedup_keys sorted by key, many to a leaf, and the log is trimmed. A restart reloads
 * the log. The memory is right because one server owns a SQLite data dir (db/serve-lock.ts) and
 * every dedup decision of that process goes through here; PostgreSQL shares dedup_keys instead.
 *
 * A held key is always newer than dedup_keys' row for it: rows only come from flushes of held
 * keys, and a key re-taken while its flush runs stays held (its `seq` is past the flush's).
 */
export function dedupWindow(db: Database, opts: DedupOptions = {}) {
	const flushKeys = opts.flushKeys ?? FLUSH_KEYS
	const sql = dedupStatements(db)

	/** Source id → key hash → its newest event. */
	const held = new Map<string, Map<string, HeldKey>>()
	let size = 0
	/**
	 * The receipt time of the last event decided: a threshold flush's "now", in the events' own clock
	 * as every decision is. The last one, not the largest: a clock set back is followed at once.
	 */
	let current = 0
	/** Receipt time of the oldest key held (null when none is). */
	let heldSince: number | null = null
	let flushing: Promise<void> | null = null
	let retryAt = 0
	/** A threshold flush's failure, reported by the next retention sweep (flushIfStale). */
	let failure: unknown = null
	/** What dedup_keys may hold: most new keys need no probe of it. Rows written before this process are read in at start (`learnStored`). */
	const storedUntil = sql.latestExpiry.get()?.until ?? 0
	const flushed = new FlushedKeysFilter(storedUntil)

	const heldKey = (sourceId: string, keyHash: string) => held.get(sourceId)?.get(keyHash)
	const hold = (sourceId: string, keyHash: string, key: HeldKey) => {
		let keys = held.get(sourceId)
		if (!keys) held.set(sourceId, (keys = new Map()))
		if (!keys.has(keyHash)) size++
		keys.set(keyHash, key)
	}
	const release = (sourceId: string, keyHash: string, upTo: number) => {
		const keys = held.get(sourceId)
		const key = keys?.get(keyHash)
		if (!keys || !key || key.seq > upTo) return
		keys.delete(keyHash)
		size--
		if (keys.size === 0) held.delete(sourceId)
	}

	// What the previous process logged and did not flush (a crash, or a stop between flushes).
	for (const r of sql.readLog.iterate()) hold(r.source_id, r.key_hash, { eventId: r.event_id, expiresAt: r.expires_at, seq: r.seq })
	if (size > 0) heldSince = 0 // unknown receipt times: the first retention sweep flushes them

	/**
	 * dedup_keys' rows from before this process (rowids up to `last`), into the filter, in steps between ingest's
	 * turns; until it is done every key is probed. Rows flushed meanwhile are in the filter
	 * already; rows deleted meanwhile only leave false positives.
	 */
	async function learnStored(last: number): Promise<void> {
		for (let after = 0; after < last; ) {
			await nextTurn()
			const rows = sql.keysAfter.all(after, last, FLUSH_STEP)
			if (rows.length === 0) break
			for (const r of rows) flushed.add(dedupKeyId(r.source_id, r.key_hash), r.expires_at)
			after = (rows.at(-1) as { rowid: number }).rowid
		}
		flushed.knowAll()
	}
	// Not worth reading: rows all expired by the wall clock (the filter's own bound stops their probes
	// then), or more than half the filter holds (it would drop generations and probe anyway). Without
	// the read the probes stay on until `storedUntil`: slower, never wrong; so after a failed read.
	const lastStored = sql.lastKey.get()?.rowid ?? 0
	const worthLearning = storedUntil > Date.now() && lastStored <= FILTER_KEYS / 2
	let learning: Promise<void> | null = worthLearning ? learnStored(lastStored).catch(() => {}) : null
	void learning?.finally(() => {
		learning = null
	})

	/** One transaction of a flush: the chunk's live keys into dedup_keys. Keys expired, re-taken since or of deleted sources stay out. */
	const moveChunk = db.transaction((chunk: [string, string][], upTo: number, now: number, sources: Map<string, boolean>) => {
		for (const [sourceId, keyHash] of chunk) {
			const key = heldKey(sourceId, keyHash)
			if (!key || key.seq > upTo || key.expiresAt <= now) continue
			let exists = sources.get(sourceId)
			if (exists === undefined) sources.set(sourceId, (exists = sql.sourceExists.get(sourceId) !== null))
			if (!exists) continue
			sql.upsertKey.run(sourceId, keyHash, key.eventId, key.expiresAt)
			flushed.add(dedupKeyId(sourceId, keyHash), key.expiresAt) // a rollback leaves a false positive only
		}
	})

	/** Moves the keys held now into dedup_keys, leaving out those expired at `now`; every step is short, ingest runs between them. */
	async function moveHeld(now: number): Promise<void> {
		const upTo = sql.lastLogged.get()?.seq ?? 0
		const sources = new Map<string, boolean>()
		const move = async (chunk: [string, string][]) => {
			await nextTurn()
			moveChunk.immediate(chunk, upTo, now, sources)
			for (const [sourceId, keyHash] of chunk) release(sourceId, keyHash, upTo)
		}
		for (const sourceId of [...held.keys()].sort()) {
			// Key order: each chunk writes one stretch of the primary key's leaves, each leaf once per
			// flush. Bucketed by the first two characters, each bucket sorted when its turn comes: no
			// sort of the whole window in one go on the thread that answers ingest.
			const buckets = new Map<string, string[]>()
			let seen = 0
			for (const [keyHash, key] of held.get(sourceId) ?? []) {
				if (++seen % FLUSH_STEP === 0) await nextTurn()
				if (key.seq > upTo) continue
				const prefix = keyHash.slice(0, 2)
				const bucket = buckets.get(prefix)
				if (bucket) bucket.push(keyHash)
				else buckets.set(prefix, [keyHash])
			}
			let chunk: [string, string][] = []
			for (const prefix of [...buckets.keys()].sort()) {
				for (const keyHash of (buckets.get(prefix) as string[]).sort()) chunk.push([sourceId, keyHash])
				if (chunk.length >= FLUSH_CHUNK) {
					await move(chunk)
					chunk = []
				}
			}
			if (chunk.length > 0) await move(chunk)
		}
		// Every row up to upTo is in dedup_keys now, expired, of a deleted source, or superseded by a newer row still held.
		while (sql.trimLog.run(upTo, FLUSH_STEP).changes === FLUSH_STEP) await nextTurn()
		flushed.expire(now)
		heldSince = size > 0 ? current : null
	}

	function flush(now = current): Promise<void> {
		flushing ??= moveHeld(now).finally(() => {
			flushing = null
		})
		return flushing
	}

	return {
		/**
		 * Inside the batch's transaction: true when the key names an event of the window already
		 * (in this batch, held, or in dedup_keys); otherwise the key is logged for `eventId` and staged.
		 */
		seen(staged: StagedKeys, sourceId: string, keyHash: string, eventId: string, receivedAt: number, windowMs: number): boolean {
			current = receivedAt
			const id = dedupKeyId(sourceId, keyHash)
			const prior = staged.get(id)?.key ?? heldKey(sourceId, keyHash)
			// A held key is the newest for its hash: when it has expired, so has any older row.
			const expiresAt = prior ? prior.expiresAt : flushed.mayHold(id, receivedAt) ? sql.findKey.get(sourceId, keyHash)?.expires_at : undefined
			if (expiresAt !== undefined && expiresAt > receivedAt) return true
			const key = { eventId, expiresAt: receivedAt + windowMs, seq: 0 }
			key.seq = Number(sql.logKey.run(sourceId, keyHash, eventId, key.expiresAt).lastInsertRowid)
			staged.set(id, { sourceId, keyHash, key })
			return false
		},
		/** After the batch's commit: its keys are held; a flush starts once enough are. */
		committed(staged: StagedKeys): void {
			if (staged.size === 0) return
			for (const { sourceId, keyHash, key } of staged.values()) hold(sourceId, keyHash, key)
			heldSince ??= current
			if (size >= flushKeys && !flushing && Date.now() >= retryAt) {
				flush().catch((err) => {
					failure = err
					retryAt = Date.now() + RETRY_MS
				})
			}
		},
		/**
		 * The retention sweep: keys held longer than FLUSH_AGE_MS are flushed now. A threshold flush
		 * that failed since is reported here, so the sweep logs it.
		 */
		async flushIfStale(now: number): Promise<void> {
			if (failure !== null) {
				const err = failure
				failure = null
				throw err
			}
			if (heldSince !== null && now - heldSince >= FLUSH_AGE_MS) await flush(now)
		},
		/**
		 * Moves the held keys into dedup_keys, after a flush already running and once the filter has
		 * read dedup_keys' earlier rows (tests, benchmarks). When nothing runs it starts at once and
		 * moves the keys held at the call; otherwise also those committed while it waited. A failed
		 * threshold flush it waited for rejects here and is reported again by the retention sweep.
		 */
		flushAll(): Promise<void> {
			if (!learning && !flushing) return size > 0 ? flush() : Promise.resolve()
			return (async () => {
				await learning
				while (flushing) await flushing
				if (size > 0) await flush()
			})()
		}
	}
}
