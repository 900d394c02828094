// `sync`'s progress lines: never over 100%, an ETA from the rate measured lately (not from a fast
// start), and a table cut short says "interrupted", never "done". A compressed clock drives them.
import { describe, expect, it } from 'vitest'
import { createProgressReporter, describeProgress } from '../../cli/sync-output.ts'
import type { TableProgress } from '../../src/sync/sweeps/sweep.ts'

const progress = (fields: Partial<TableProgress>): TableProgress => ({
  table: 'orders',
  fetched: 0,
  requests: 0,
  elapsedMs: 0,
  state: 'running',
  ...fields,
})

/** A reporter writing to an array, not a terminal, on a clock the test moves. */
function logReporter() {
  const lines: string[] = []
  let now = 0
  const out = { isTTY: false, write: (text: string) => (lines.push(text.trimEnd()), true) }
  const reporter = createProgressReporter(out, ['orders'], () => now)
  return {
    lines,
    at(ms: number, p: Partial<TableProgress>) {
      now = ms
      reporter.update(progress({ elapsedMs: ms, ...p }))
    },
  }
}

describe('sync progress', () => {
  it('never shows more rows than the total: the total grows with them, and no ETA is guessed', () => {
    const line = describeProgress(progress({ fetched: 5021, total: 5000, requests: 40 }), 30)
    expect(line).toBe('orders    5,021/5,021 rows, 40 requests, 30 rows/s')
  })

  it('gives an ETA from the rate of the last 30 s, not from a fast first burst', () => {
    const run = logReporter()
    // A burst (the quota's first window), then the quota's pace: 10 rows a second.
    run.at(0, { fetched: 0, total: 5000 })
    run.at(5_000, { fetched: 2500, total: 5000 })
    for (let s = 10; s <= 60; s += 5)
      run.at(s * 1000, { fetched: 2500 + (s - 5) * 10, total: 5000 })
    // At 60 s: 3,050 rows, 1,950 left at 10 rows/s.
    expect(run.lines.at(-1)).toBe('orders    3,050/5,000 rows, 0 requests, 10 rows/s, ETA 3m15s')
  })

  it('says nothing of a rate or an ETA before 5 s have been measured', () => {
    const run = logReporter()
    run.at(0, { fetched: 250, total: 5000 })
    expect(run.lines).toEqual(['orders    250/5,000 rows, 0 requests'])
  })

  it.each([
    ['completed', ', done'],
    ['failed', ', failed'],
    ['interrupted', ', interrupted'],
  ] as const)('a table that ended %s says "%s" on its last line', (state, ending) => {
    const run = logReporter()
    run.at(0, { fetched: 100, total: 1000 })
    run.at(1_000, { fetched: 350, total: 1000, state })
    expect(run.lines.at(-1)?.endsWith(ending)).toBe(true)
    if (state !== 'completed') expect(run.lines.join('\n')).not.toContain('done')
  })
})
