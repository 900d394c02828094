// What a table's summary tells the user besides its counts: the requests spent on orders'
// children, and notes such as the per-order fallback having run or pages read at a smaller size.
import type { ChildReadStats } from '../../resources/types.ts'
import type { TableSummary } from './sweep-types.ts'

/** A summary part with more notes added (none: unchanged). */
export function withNotes<T extends { notes?: string[] }>(part: T, more: string[]): T {
  return more.length === 0 ? part : { ...part, notes: [...(part.notes ?? []), ...more] }
}

/** Child request counts and, when the store ignored include, a note saying so. */
export function childSummary(children: ChildReadStats): Pick<TableSummary, 'children' | 'notes'> {
  const notes: string[] = []
  if (children.fallbackOrders > 0) {
    notes.push(
      `the store sent consignments as a link (include ignored): line items and addresses of ${children.fallbackOrders} orders were read per order (${children.productRequests + children.addressRequests} requests)`,
    )
  }
  if (children.unreadable > 0) {
    notes.push(
      `${children.unreadable} orders had a child item the mirror could not read; their children were left as stored`,
    )
  }
  return { children: { ...children }, ...(notes.length > 0 ? { notes } : {}) }
}
