// A set of closed integer intervals (sweep keys: seconds or ids) that a sweep has committed.
// It is the sweep's checkpoint: a killed run resumes by sweeping only the gaps.

export type Interval = [lo: number, hi: number]

export class Coverage {
  private intervals: Interval[] = []

  constructor(initial: Interval[] = []) {
    for (const [lo, hi] of initial) this.add(lo, hi)
  }

  /** Marks [lo, hi] covered (ignored when empty); neighbouring intervals merge. */
  add(lo: number, hi: number): void {
    if (hi < lo) return
    const merged: Interval[] = []
    let next: Interval = [lo, hi]
    for (const current of this.intervals) {
      if (current[1] + 1 < next[0] || next[1] + 1 < current[0]) merged.push(current)
      else next = [Math.min(current[0], next[0]), Math.max(current[1], next[1])]
    }
    merged.push(next)
    this.intervals = merged.sort((a, b) => a[0] - b[0])
  }

  /** The parts of [lo, hi] not covered yet, in order. */
  gaps(lo: number, hi: number): Interval[] {
    const gaps: Interval[] = []
    let cursor = lo
    for (const [a, b] of this.intervals) {
      if (b < cursor) continue
      if (a > hi) break
      if (a > cursor) gaps.push([cursor, Math.min(a - 1, hi)])
      cursor = Math.max(cursor, b + 1)
      if (cursor > hi) break
    }
    if (cursor <= hi) gaps.push([cursor, hi])
    return gaps
  }

  covers(lo: number, hi: number): boolean {
    return this.gaps(lo, hi).length === 0
  }

  toJSON(): Interval[] {
    return this.intervals.map(([a, b]) => [a, b])
  }
}
