import { closeSync, openSync, readSync } from 'node:fs'

/*
 * The WAL's state read from the wal-index (the -shm file, which SQLite maps shared, so
 * a read sees the live values): `mxFrame` of the index header at byte 16 and `nBackfill`
 * of the checkpoint info at byte 96, both 32-bit integers in native byte order
 * (https://sqlite.org/walformat.html). One pread, no lock: a torn read only skews one
 * polling decision of the checkpointer, which reads again a few milliseconds later.
 */
const SHM_HEADER_BYTES = 136
const MX_FRAME = 16 / 4
const N_BACKFILL = 96 / 4
const IS_INIT_BYTE = 12

export interface WalState {
	/** Frames in the WAL since its last reset: its size, in pages. */
	mxFrame: number
	/** Frames of those already copied into the database file. */
	nBackfill: number
}

export interface WalStateReader {
	/** Null until SQLite has initialised the wal-index. */
	read(): WalState | null
	close(): void
}

/** Opens the wal-index of the database at `path` (it exists while a connection has the database open in WAL mode). */
export function walStateReader(path: string): WalStateReader {
	const fd = openSync(`${path}-shm`, 'r')
	const words = new Uint32Array(SHM_HEADER_BYTES / 4)
	const bytes = new Uint8Array(words.buffer)
	return {
		read() {
			if (readSync(fd, bytes, 0, SHM_HEADER_BYTES, 0) < SHM_HEADER_BYTES || bytes[IS_INIT_BYTE] === 0) return null
			return { mxFrame: words[MX_FRAME] as number, nBackfill: words[N_BACKFILL] as number }
		},
		close: () => closeSync(fd)
	}
}
