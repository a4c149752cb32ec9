import type { ConnectionsService } from '../connections/service'
import type { DestinationsService } from '../destinations/service'
import type { EventsRepo } from '../events/repo'
import type { Clock } from '../lib/clock'
import type { Logger } from '../lib/log'
import type { Circuits } from './circuits'
import type { Providers } from './providers'
import type { AttemptOutcome, DeliveryRepo } from './repo'
import type { Resolver } from './ssrf'

export interface WorkerOptions {
	/** Attempts in flight across all destinations. */
	globalConcurrency: number
	/** Requests in flight per destination (1 = strictly in order); an answered attempt may still be committing. */
	destinationConcurrency: number
	allowPrivateDestinations: boolean
	/** Name resolution for the SSRF guard (tests inject one); the system resolver by default. */
	resolve?: Resolver
	/** Milliseconds per second of `retry_intervals` (1000 in production). */
	retryUnitMs: number
	/** How long a lease holds before the sweeper hands the delivery to someone else. */
	leaseMs: number
	/** How often expired leases (a crashed worker's) are handed back to the queue. */
	sweepIntervalMs?: number
	/**
	 * Several instances share the database (PostgreSQL): each sends only to the destinations
	 * whose ownership lease it holds, and polls for work ingested elsewhere. False on SQLite.
	 */
	shared?: boolean
	/** How long a destination ownership lease lasts without renewal (renewed every third of it). */
	ownershipLeaseMs?: number
	/** Shared database only: how often to look for work another instance ingested (a backstop for wake-ups). */
	pollMs?: number
}

export interface WorkerDeps {
	deliveries: DeliveryRepo
	/** The breaker state of every destination (its one reader and writer). */
	circuits: Circuits
	events: EventsRepo
	destinations: DestinationsService
	connections: ConnectionsService
	clock: Clock
	log: Logger
	/** Told of each attempt once it is recorded (the live stream's `delivery` and `issue` messages). */
	onAttempt?: (outcome: AttemptOutcome) => void
	/** Sends one attempt by destination type (http, queues, buses). */
	providers: Providers
}
