import { Elysia } from 'elysia'

/** Where a person who opens the server's address lands: the API reference until the dashboard exists. */
export const HOME_PATH = '/docs'

/** `GET /` is for a browser: a redirect it follows, never a JSON 404. */
export function rootRoutes() {
	return new Elysia({ name: 'routes.root' }).get('/', ({ redirect }) => redirect(HOME_PATH, 302), {
		detail: { hide: true }
	})
}
