import { SingleFlightCache } from '../lib/single-flight-cache'
import type { Route } from './route'

/**
 * Active routes per source id, filters compiled, kept in memory: routing an
 * event costs no query. Dropped per source when a connection changes, and
 * whole when a destination changes (its status gates routing).
 */
export class RouteCache extends SingleFlightCache<string, Route[]> {}
