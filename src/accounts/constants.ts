/** The exact documented name; never `__Secure-…` (clients and the reference expect this one). */
export const SESSION_COOKIE = 'better-auth.session_token'

export const MIN_PASSWORD_LENGTH = 10
