/**
 * SQL of the accounts repo that is the same text on SQLite and PostgreSQL.
 * Better Auth's columns are camelCase, so they are always quoted: PostgreSQL folds
 * unquoted names to lower case, SQLite accepts the quotes as they are.
 */
const USER_COLUMNS = 'id, name, email, "createdAt"'
const MEMBER_COLUMNS = 'm.id, m."organizationId", m."userId", m.role, m."createdAt", u.email, u.name'
const MEMBERS_JOIN = 'FROM "member" m JOIN "user" u ON u.id = m."userId"'
const INVITATION_COLUMNS = 'id, "organizationId", email, role, status, "expiresAt", "createdAt", "inviterId"'

export const USER_BY_EMAIL = `SELECT ${USER_COLUMNS} FROM "user" WHERE email = $1`
export const USER_BY_ID = `SELECT ${USER_COLUMNS} FROM "user" WHERE id = $1`
export const MEMBERSHIPS_OF = `SELECT ${MEMBER_COLUMNS} ${MEMBERS_JOIN} WHERE m."userId" = $1 ORDER BY m."createdAt", m.id`
export const MEMBERS_OF = `SELECT ${MEMBER_COLUMNS} ${MEMBERS_JOIN} WHERE m."organizationId" = $1 ORDER BY m."createdAt", m.id`
export const MEMBER_BY_ID = `SELECT ${MEMBER_COLUMNS} ${MEMBERS_JOIN} WHERE m."organizationId" = $1 AND m.id = $2`
export const INSERT_MEMBER =
	'INSERT INTO "member" (id, "organizationId", "userId", role, "createdAt") VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("organizationId", "userId") DO NOTHING'
export const SET_ROLE = 'UPDATE "member" SET role = $2 WHERE id = $1'
export const DELETE_MEMBER = 'DELETE FROM "member" WHERE id = $1'
export const OWNER_COUNT = `SELECT COUNT(*) AS n FROM "member" WHERE "organizationId" = $1 AND role = 'owner'`
/** $3 is an ISO-8601 instant: compared as text on SQLite (where Better Auth stores that text), as timestamptz on PostgreSQL. */
export const SESSION_IN_ORG =
	'SELECT 1 AS ok FROM "session" s JOIN "member" m ON m."userId" = s."userId" AND m."organizationId" = $2 WHERE s.id = $1 AND s."expiresAt" > $3'

export const INSERT_INVITATION =
	'INSERT INTO "invitation" (id, "organizationId", email, role, status, "expiresAt", "createdAt", "inviterId") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)'
export const INVITATION_BY_ID = `SELECT ${INVITATION_COLUMNS} FROM "invitation" WHERE id = $1`
export const PENDING_INVITATIONS = `SELECT ${INVITATION_COLUMNS} FROM "invitation" WHERE "organizationId" = $1 AND status = 'pending' ORDER BY "createdAt", id`
export const SET_INVITATION_STATUS = 'UPDATE "invitation" SET status = $2 WHERE id = $1 AND status = $3'

export const INSERT_DEVICE = `INSERT INTO device_codes (device_code_hash, user_code, status, created_at, expires_at) VALUES ($1, $2, 'pending', $3, $4)`
export const DEVICE_BY_HASH = 'SELECT * FROM device_codes WHERE device_code_hash = $1'
export const DEVICE_BY_USER_CODE = 'SELECT * FROM device_codes WHERE user_code = $1'
export const APPROVE_DEVICE = `UPDATE device_codes SET status = 'approved', user_id = $2, org_id = $3, env_id = $4 WHERE user_code = $1 AND status = 'pending' AND expires_at > $5`
export const CONSUME_DEVICE = `UPDATE device_codes SET status = 'consumed', key_id = $2 WHERE device_code_hash = $1 AND status = 'approved'`
export const TOUCH_DEVICE = 'UPDATE device_codes SET last_polled_at = $2 WHERE device_code_hash = $1'
export const EXPIRE_DEVICES = 'DELETE FROM device_codes WHERE expires_at < $1'

/** Device codes are kept a day past their expiry, then swept when the next one is made. */
export const DEVICE_KEEP_MS = 24 * 3600_000
