// One probe page of a range sweep (see range-sweep.ts): an offset page fetched alongside the
// walks, which marks covered what it proves and is skipped when it cannot be read.
import { BigCommerceResponseTooLargeError } from '../../bigcommerce/errors.ts'
import type { RangePage } from '../../resources/types.ts'
import { EmptyPageError } from './range-fetch.ts'
import { probeCover } from './range-steps.ts'
import { commitCovering, type RangeRun } from './range-run.ts'

/**
 * A probe page: what it covers is marked; one too large, or without a usable key, is skipped (the
 * walks cover it, and fail there only if they must go on from such a page).
 */
export async function probe(
  run: RangeRun,
  gap: { from: number; to: number; pageSize: number; firstTotal?: number },
  page: number,
): Promise<void> {
  let answer: RangePage
  try {
    answer = await run.fetch.fetchRange({ lo: gap.from, hi: gap.to, page, limit: gap.pageSize })
  } catch (error) {
    // Too large, or past what the list shows although the count says more: the walks cover it.
    if (error instanceof BigCommerceResponseTooLargeError || error instanceof EmptyPageError) return
    throw error
  }
  const view = run.fetch.viewOf(answer)
  // No sweep goes on from a probe: a keyless page proves nothing (probeCover gives null), as
  // when a store's lenient bound lists a keyless row just past the window alone on the last page.
  const cover = probeCover(view, page, gap.pageSize, gap.firstTotal, gap.to)
  if (cover) await commitCovering(run, answer.items, ...cover)
}
