// The worker's rule for one refetched id (decideId), every combination: deletion only on evidence
// about that id (a deleted event, or a second read that misses it too); an answer that held other
// ids is never evidence; a deleted event the store still answers is read once more.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decideId } from '../../src/sync/events/event-worker.ts'

const DELETED = 'store/product/deleted'
const updated = { scope: 'store/product/updated', rechecks: 0 }
const deleted = { scope: DELETED, rechecks: 0 }
const updatedAgain = { scope: 'store/product/updated', rechecks: 1 }

describe('decideId', () => {
  it.each([
    ['found', [updated], 'done'],
    ['found', [deleted], 'confirm-later'],
    ['found', [{ ...deleted, rechecks: 1 }], 'done'],
    ['not-found', [updated], 'confirm-later'],
    ['not-found', [updatedAgain], 'delete'],
    ['not-found', [deleted], 'delete'],
    ['not-found', [updated, deleted], 'delete'],
    ['unanswered', [deleted], 'retry'],
    ['unanswered', [updatedAgain], 'retry'],
  ] as const)('%s after %j: %s', (answer, events, decision) => {
    expect(decideId(answer, events, DELETED)).toBe(decision)
  })

  it('orders have no deleted event: only a second miss deletes', () => {
    const orderDeletedLookalike = { scope: 'store/order/deleted', rechecks: 0 }
    expect(decideId('not-found', [orderDeletedLookalike], undefined)).toBe('confirm-later')
  })

  it('never deletes on a first miss without a deleted event, nor on any unanswered read', () => {
    const event = fc.record({
      scope: fc.constantFrom(
        'store/product/updated',
        'store/product/created',
        DELETED,
        'store/sku/updated',
      ),
      rechecks: fc.integer({ min: 0, max: 3 }),
    })
    fc.assert(
      fc.property(
        fc.constantFrom('found', 'unanswered', 'not-found' as const),
        fc.array(event, { minLength: 1, maxLength: 5 }),
        (answer, events) => {
          const decision = decideId(answer, events, DELETED)
          const evidence = events.some((e) => e.scope === DELETED || e.rechecks > 0)
          if (decision === 'delete') expect(answer === 'not-found' && evidence).toBe(true)
          if (answer === 'unanswered') expect(decision).toBe('retry')
          if (answer === 'found') expect(decision).not.toBe('delete')
        },
      ),
      { numRuns: 500, seed: 3 },
    )
  })
})
