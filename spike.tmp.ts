import { Database } from 'bun:sqlite'
import { getMigrations } from 'better-auth/db/migration'
import { createBetterAuth } from './src/accounts/better-auth'
const db = new Database(':memory:', { strict: true })
const auth = createBetterAuth(db, { secretKey: Buffer.alloc(32), allowSignup: false, baseUrl: null })
const m = await getMigrations(auth.options)
console.log(await m.compileMigrations())
