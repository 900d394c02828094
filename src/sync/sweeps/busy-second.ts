// One second that holds more rows than a page (a bulk import): keyset paging cannot move past it,
// so it is paged by id where the API can filter ids inside a date range, and otherwise by offset,
// repeated until nothing left the second while it was paged. Rows sharing a second may come back
// in another order on every request (docs/bigcommerce-api.md "Clocks, date bounds and ordering"),
// so offset pages can repeat some rows and skip others: the ids seen add up over passes while the
// second's count holds. Decisions: range-steps.ts.
import {
  SweepIncompleteError,
  idOrUndefined,
  noKeyOnPage,
  type RangeRequest,
} from './range-fetch.ts'
import { commitCovering, type RangeRun } from './range-run.ts'
import {
  busyByIdStep,
  busySecondSettled,
  edgeOf,
  pageSizeAfter,
  type PageSize,
} from './range-steps.ts'

/**
 * Offset-paging a busy second is retried this often without progress (a pass that found no id
 * unseen before) before the sweep gives up, and at most MAX_PASSES times in all.
 */
const MAX_VERIFY_ATTEMPTS = 6
const MAX_PASSES = 40

export async function sweepBusySecond(
  run: RangeRun,
  second: number,
  size: { current: PageSize },
): Promise<void> {
  if (run.options.resource.canOrderById) return sweepSecondById(run, second, size)
  const seen: SecondSeen = { count: -1, ids: new Set(), withoutId: 0 }
  for (let attempt = 1, pass = 0; attempt <= MAX_VERIFY_ATTEMPTS && pass < MAX_PASSES; pass++) {
    const before = seen.ids.size
    let rows: number
    try {
      rows = await readSecondByOffset(run, second, size.current.limit, seen)
    } catch (error) {
      // Too large: the same attempt again with half the rows a page (not counted as an attempt).
      size.current = run.fetch.shrinkAfter(error, size.current, second)
      continue
    }
    if (rows >= 0) {
      size.current = pageSizeAfter(size.current, rows)
      return commitCovering(run, [], second, second)
    }
    // Ties in another order each time: passes that find new ids are progress, not failures.
    if (seen.count < 0 || seen.ids.size === before) attempt += 1
  }
  throw new SweepIncompleteError(
    `${run.options.resource.name}: rows modified at ${new Date(second * 1000).toISOString()} kept changing while they were paged; run the sync again`,
  )
}

async function sweepSecondById(run: RangeRun, second: number, size: { current: PageSize }) {
  const { resource, commit } = run.options
  let minId: number | undefined
  for (;;) {
    const request = { lo: second, hi: second, order: 'id' as const, minId, page: 1 }
    const { answer, pageSize } = await run.fetch.fetchSized(request, size)
    const lastId = edgeOf(answer.items.map(idOrUndefined), 'last')
    const step = busyByIdStep(run.fetch.viewOf(answer), pageSize, lastId)
    if (step.kind === 'done') return commitCovering(run, answer.items, second, second)
    if (step.kind === 'no-id') throw noKeyOnPage(resource, answer.items, 'id')
    await commit(answer.items)
    minId = step.minId
  }
}

/**
 * What the passes over one second saw while its count stayed `count`: ids, and objects without
 * one (set aside by the write path, but rows all the same; counted in the latest pass only).
 */
interface SecondSeen {
  count: number
  ids: Set<number>
  withoutId: number
}

/**
 * Pages the second by offset at `pageSize`, committing every page, then counts it again. The
 * rows it held when complete (nothing left it meanwhile and every row counted was seen, in this
 * pass or an earlier one at the same count), or -1.
 */
async function readSecondByOffset(
  run: RangeRun,
  second: number,
  pageSize: number,
  seen: SecondSeen,
) {
  const { commit } = run.options
  const base: RangeRequest = { lo: second, hi: second, page: 1, limit: pageSize }
  const first = await run.fetch.fetchRange({ ...base, withTotal: true })
  const total = first.total ?? first.items.length
  const pages = Math.ceil(total / pageSize)
  // A row left the second since the last pass: what that pass saw may include it.
  if (seen.count !== total) Object.assign(seen, { count: total, ids: new Set<number>() })
  seen.withoutId = 0
  const note = async (items: unknown[]) => {
    for (const id of items.map(idOrUndefined)) {
      if (id === undefined) seen.withoutId += 1
      else seen.ids.add(id)
    }
    await commit(items)
  }
  await note(first.items)
  const rest = await Promise.all(
    Array.from({ length: Math.max(0, pages - 1) }, (_, i) =>
      run.fetch.fetchRange({ ...base, page: i + 2 }),
    ),
  )
  for (const page of rest) await note(page.items)
  const after = await run.fetch.fetchRange({ ...base, withTotal: true })
  await commit(after.items)
  const counted = after.total ?? after.items.length
  const settled = busySecondSettled(total, counted, seen.ids.size, seen.withoutId)
  if (counted !== total) seen.count = -1
  return settled ? total : -1
}
