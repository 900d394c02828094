// The objects a sweep accepted lately, by id. Pages overlap: a page that ends inside one second is
// followed by that second read again by id, and bounds are widened by one second, so a row can be
// listed twice in one run. Listed again unchanged, it needs no second reading of its children (a
// cut product's variants cost a request) and no second write. Bounded, so that a run's memory does
// not grow with the store.
import { MAX_PAGE_SIZE } from '../../bigcommerce/paging.ts'
import { pick, toId } from '../../bigcommerce/validate.ts'

/** Two pages: the overlap is with a page committed just before (or beside, in parallel walks). */
const KEPT = 2 * MAX_PAGE_SIZE

const idOf = (item: unknown) => toId(pick(item, 'id'))

export function createRecentlyAccepted() {
  const recent = new Map<number, unknown>()
  return {
    /** Whether this object was accepted lately exactly as it is now. */
    has(item: unknown): boolean {
      const id = idOf(item)
      const before = id === null ? undefined : recent.get(id)
      // Compared only for the few ids listed again, so the text costs little.
      return before !== undefined && JSON.stringify(before) === JSON.stringify(item)
    },
    /** Remembers a page's objects whose ids were accepted (written, or stored already). */
    note(items: unknown[], accepted: readonly number[]) {
      const ids = new Set(accepted)
      for (const item of items) {
        const id = idOf(item)
        if (id === null || !ids.has(id)) continue
        recent.delete(id)
        recent.set(id, item)
      }
      for (const id of recent.keys()) {
        if (recent.size <= KEPT) break
        recent.delete(id)
      }
    },
  }
}
