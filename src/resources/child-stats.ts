// Summing the counters that reading children reports (ChildReadStats), whatever the resource.
import type { ChildReadStats } from './types.ts'

/** Adds `b` into `a`, counter by counter. */
export function addChildReadStats(a: ChildReadStats, b: ChildReadStats | undefined): void {
  if (!b) return
  for (const [name, value] of Object.entries(b)) a[name] = (a[name] ?? 0) + value
}
