// What a table's summary tells the user besides its counts: the requests spent on children, and
// notes such as the per-order fallback having run or pages read at a smaller size.
import type { ChildReadStats } from '../../resources/types.ts'
import type { TableSummary } from './sweep-types.ts'

/** A summary part with more notes added (none: unchanged). */
export function withNotes<T extends { notes?: string[] }>(part: T, more: string[]): T {
  return more.length === 0 ? part : { ...part, notes: [...(part.notes ?? []), ...more] }
}

/** Child request counts and, when the store ignored include or cut an embed, a note saying so. */
export function childSummary(
  children: ChildReadStats,
  table: string,
): Pick<TableSummary, 'children' | 'notes'> {
  const n = (name: string) => children[name] ?? 0
  const notes: string[] = []
  if (n('fallbackOrders') > 0) {
    notes.push(
      `the store sent consignments as a link (include ignored): line items and addresses of ${n('fallbackOrders')} orders were read per order (${n('productRequests') + n('addressRequests')} requests)`,
    )
  }
  if (n('completedOrders') > 0) {
    notes.push(
      `the embedded line items of ${n('completedOrders')} orders may have been cut (or came as links): they were read whole per order (${n('productRequests')} /products requests)`,
    )
  }
  if (n('completedParents') > 0) {
    notes.push(
      `the embedded children of ${n('completedParents')} ${table} may have been cut (or were missing): they were read whole through the batched list (${n('listRequests')} requests)` +
        (n('perParentRequests') > 0
          ? `, or per parent where the store ignored the list's filter (${n('perParentRequests')} requests)`
          : ''),
    )
  }
  if (n('unreadable') > 0) {
    notes.push(
      `${n('unreadable')} ${table} were set aside: an answer about their children was odd (see rejected_rows); those ${table} and their children were left as stored, to be read again`,
    )
  }
  return { children: { ...children }, ...(notes.length > 0 ? { notes } : {}) }
}
