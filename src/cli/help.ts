import { describeOptions } from '../config'
import { VERSION } from '../lib/version'
import { CLIENT_HELP } from './client'

export function helpText(): string {
	return `hookstream ${VERSION}: self-hosted event gateway for webhooks

Usage:
  hookstream [serve] [options]             start the server (default command)
  hookstream --create-admin-key [--name <name>] [--data-dir <dir>]
                                           create an API key; the key is the last line of stdout
  hookstream --create-admin-user --email <email> [--name <name>] [--data-dir <dir>]
                                           create the owner of the default organization; the password is
                                           read from stdin, or generated and printed once
  hookstream keys list [--data-dir <dir>]  list API keys (never the keys themselves)
  hookstream keys create [--name <name>]   same as --create-admin-key
  hookstream keys revoke <id>              revoke an API key at once
  hookstream healthcheck [--url <url>]     exit 0 when the local server is ready (Docker HEALTHCHECK)
  hookstream migrate                       apply database migrations and exit
  hookstream migrate --to <postgres://…> [--data-dir <dir>] [--encryption-key <key>]
                                           copy the SQLite install in --data-dir into an empty PostgreSQL
                                           database (stop the server first)
  hookstream --help | --version

${CLIENT_HELP}

Options (each also read from its HOOKSTREAM_* environment variable; flags win):
${describeOptions().join('\n')}

Environment only:
  HOOKSTREAM_ADMIN_KEY=hs_live_…  at serve start, make sure this API key exists (for containers)
  HOOKSTREAM_ADMIN_EMAIL, HOOKSTREAM_ADMIN_PASSWORD [, HOOKSTREAM_ADMIN_NAME]
                                  at serve start, make sure this user exists and owns the default organization
`
}
