import type { AuthContext } from '../auth/service'
import type { AttemptsRepo } from '../attempts/repo'
import type { Clock } from '../lib/clock'
import { Conflict, NotFound } from '../lib/errors'
import type { DeliveryRepo } from './repo'

export interface RetryResult {
	retried: string[]
	message: string
}

/**
 * Manual retries (event, attempt, issue). Each puts finished deliveries back in
 * the queue as `manual_retry`; the worker then makes new attempts. Old
 * attempts are never rewritten.
 */
export class RetryService {
	constructor(
		private readonly deliveries: DeliveryRepo,
		private readonly attempts: AttemptsRepo,
		private readonly clock: Clock,
		private readonly wake: () => void
	) {}

	async #requeue(ids: string[]): Promise<string[]> {
		const done = await this.deliveries.requeue(ids, this.clock.now(), 'manual_retry')
		if (done.length > 0) this.wake()
		return done
	}

	/** Every DLQ delivery of the event. */
	async retryEvent(eventId: string): Promise<RetryResult> {
		// One entry per delivery: its latest DLQ attempt (a delivery retried before has several).
		const latest = new Map<string, string>()
		for (const d of await this.attempts.deadOfEvent(eventId)) latest.set(d.delivery_id, d.id)
		const requeued = await this.#requeue([...latest.keys()])
		const retried = requeued.map((deliveryId) => latest.get(deliveryId) ?? deliveryId)
		return { retried, message: retried.length ? `${retried.length} delivery(ies) queued for retry` : 'Nothing to retry: no failed deliveries' }
	}

	/** The delivery of one attempt, once it has finished (failed for good, or delivered: a redelivery). */
	async retryAttempt(auth: AuthContext, attemptId: string): Promise<RetryResult> {
		const attempt = await this.attempts.findById(attemptId)
		if (!attempt || attempt.env_id !== auth.envId) throw new NotFound('Delivery attempt')
		const done = await this.#requeue([attempt.delivery_id])
		if (done.length === 0) throw new Conflict('This delivery is still queued or in flight; it will be attempted again on its own')
		return { retried: [attempt.id], message: 'Delivery queued for retry' }
	}

	/** Every DLQ delivery of the destination with the error type. */
	async retryDestination(destinationId: string, errorType: string | null): Promise<RetryResult> {
		const ids = await this.#requeue(await this.deliveries.deadOfDestination(destinationId, errorType))
		return { retried: ids, message: ids.length ? `${ids.length} delivery(ies) queued for retry` : 'Nothing to retry: no failed deliveries' }
	}
}
