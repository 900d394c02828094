// One refetch of a table's ids: write what the API says now, delete what is confirmed gone (within
// the deletion valve), and sort the ids' events by what decideId makes of each.
import type { ResourceName } from '../../db/schema.ts'
import { deleteRows } from '../../db/write.ts'
import { writeItems } from '../../db/write-items.ts'
import { RESOURCES } from '../../resources/index.ts'
import { addChildReadStats } from '../../resources/child-stats.ts'
import type { ChildReadStats } from '../../resources/types.ts'
import { decideId, type IdDecision } from './decide-id.ts'
import { admitDeletions } from './deletion-valve.ts'
import type { ClaimedEvent } from './inbox.ts'
import type { EventWorkerContext } from './worker-types.ts'

/**
 * Refetches `ids` of one table, writes what the API says now, deletes what is confirmed gone,
 * and sorts the ids' events by decideId.
 */
export async function refreshRows(
  ctx: EventWorkerContext,
  resource: ResourceName,
  ids: number[],
  eventsOf: (id: number) => ClaimedEvent[],
) {
  const definition = RESOURCES[resource]
  const fetchedAt = new Date()
  let children: ChildReadStats | undefined
  const answer = await definition.fetchByIds(ctx.client, ids)
  const items = [...answer.found.values(), ...answer.unidentified]
  const result = await writeItems(ctx.db, definition, ctx.storeHash, items, {
    fetchedAt,
    prepare: async (rows) => {
      const stats = await definition.prepareRows?.(ctx, rows)
      // A batch split to isolate a bad row prepares again: every call's requests count.
      if (stats) addChildReadStats((children ??= {}), stats)
    },
  })
  const byDecision: Record<IdDecision, number[]> = {
    done: [],
    'confirm-later': [],
    retry: [],
    delete: [],
  }
  // An order set aside (its children could not be read) was found, but is not stored yet.
  const setAside = new Set(result.setAside)
  for (const id of ids) {
    if (setAside.has(id)) {
      byDecision.retry.push(id)
      continue
    }
    const read = answer.found.has(id)
      ? 'found'
      : answer.unanswered.has(id)
        ? 'unanswered'
        : 'not-found'
    byDecision[decideId(read, eventsOf(id), definition.deletionScope)].push(id)
  }
  const valve = await admitDeletions(ctx.db, ctx.storeHash, resource, byDecision.delete)
  const gone = valve.admitted
  const deleted = await deleteRows(ctx.db, resource, ctx.storeHash, gone, { deletedAt: fetchedAt })
  const eventsFor = (list: number[]) => list.flatMap(eventsOf)
  return {
    written: result.written,
    unchanged: result.unchanged,
    rejected: result.rejected,
    deleted,
    children,
    done: eventsFor([...byDecision.done, ...gone]),
    deferred: eventsFor(byDecision['confirm-later']),
    unanswered: eventsFor(byDecision.retry.filter((id) => !setAside.has(id))),
    setAside: eventsFor(byDecision.retry.filter((id) => setAside.has(id))),
    held: { events: eventsFor(valve.held), ids: valve.held.length, reason: valve.reason ?? '' },
    deferredIds: byDecision['confirm-later'].length,
    unansweredIds: byDecision.retry.length - setAside.size,
  }
}

/** What one refetch came to: counts, and the events sorted by what becomes of them. */
export type RefreshedRows = Awaited<ReturnType<typeof refreshRows>>
