// The rule "absence is not deletion" for one refetched id, as a pure function.
import type { ClaimedEvent } from './inbox.ts'

/** What becomes of one refetched id: see decideId. */
export type IdDecision = 'done' | 'confirm-later' | 'retry' | 'delete'

/**
 * The rule "absence is not deletion" for one id, from what the read by id answered and the events
 * that asked for it:
 * - found: done, unless a deleted event announced it and this is the first read (the store may
 *   lag behind its own event): confirm later;
 * - unanswered (the answer held objects nobody asked for): retry, never delete;
 * - not found: delete when a deleted event announced it or an earlier read missed it too;
 *   otherwise confirm later.
 */
export function decideId(
  answer: 'found' | 'unanswered' | 'not-found',
  events: ReadonlyArray<Pick<ClaimedEvent, 'scope' | 'rechecks'>>,
  deletionScope: string | undefined,
): IdDecision {
  const announced = deletionScope !== undefined && events.some((e) => e.scope === deletionScope)
  const rechecked = events.some((e) => e.rechecks > 0)
  if (answer === 'unanswered') return 'retry'
  if (answer === 'found') return announced && !rechecked ? 'confirm-later' : 'done'
  return announced || rechecked ? 'delete' : 'confirm-later'
}
