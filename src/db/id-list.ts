/** SQLite's "is one of the ids bound as `param`" (a JSON array text: `idsParam`). */
export const idsInSqlite = (param: string): string => `IN (SELECT value FROM json_each(${param}))`
/**
 * "The column is one of the ids bound as $1", in each engine's words: SQLite binds the ids as
 * one JSON array text (`idsParam`), PostgreSQL as a text[]. One statement then reads any number
 * of rows by id, with no statement text per list length.
 */
export const IDS_IN_SQLITE = idsInSqlite('$1')
export const IDS_IN_PG = '= ANY($1::text[])'

/** The $1 of an `IDS_IN_SQLITE` statement. */
export const idsParam = (ids: readonly string[]): string => JSON.stringify(ids)
