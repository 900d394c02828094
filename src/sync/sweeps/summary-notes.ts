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
  if (children.completedOrders > 0) {
    notes.push(
      `the embedded line items of ${children.completedOrders} orders may have been cut (or came as links): they were read whole per order (${children.productRequests} /products requests)`,
    )
  }
  if (children.unreadable > 0) {
    notes.push(
      `${children.unreadable} orders were set aside: an answer about their children was odd (see rejected_rows); those orders and their children were left as stored, to be read again`,
    )
  }
  return { children: { ...children }, ...(notes.length > 0 ? { notes } : {}) }
}
