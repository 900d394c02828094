// The closing table of `bench:webhooks --compare`: each side's runs (saturation, p99 at the
// offered rate, CPU per delivery) and the ratio of the two sides' medians. CPU per delivery is
// given for both phases: at saturation the worker's batches (one every 200-300 ms whatever the
// rate) are shared by fewer deliveries on the slower side, so the offered rate's phase, the same
// deliveries in the same seconds on both sides, compares the code more fairly.
import type { PhaseFigures } from './ack-phases.ts'

export interface SideRuns {
  label: string
  /** [sustained, saturation] per round. */
  runs: Array<[PhaseFigures, PhaseFigures]>
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length % 2) return sorted[mid] ?? NaN
  return ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

const perDelivery = (cpu: number, phase: PhaseFigures) =>
  (cpu * 1e6) / Math.max(1, phase.result.sent)

function summarise(side: SideRuns) {
  const saturation = side.runs.map(([, closed]) => closed.ackRate)
  const p99 = side.runs.map(([open]) => open.p99)
  const serveUs = side.runs.map(([, closed]) => perDelivery(closed.serveCpu, closed))
  const postgresUs = side.runs.map(([, closed]) => perDelivery(closed.postgresCpu, closed))
  const offeredServeUs = side.runs.map(([open]) => perDelivery(open.serveCpu, open))
  const offeredPostgresUs = side.runs.map(([open]) => perDelivery(open.postgresCpu, open))
  return { saturation, p99, serveUs, postgresUs, offeredServeUs, offeredPostgresUs }
}

export function reportComparison(sides: SideRuns[]): void {
  const list = (values: number[], digits = 0) => values.map((v) => v.toFixed(digits)).join(', ')
  console.log('\n== side by side (each run; CPU per delivery at saturation)')
  const summaries = sides.map((side) => ({ side, ...summarise(side) }))
  for (const { side, saturation, p99, serveUs, postgresUs, ...offered } of summaries) {
    console.log(
      `${side.label.padEnd(14)} saturation ${list(saturation)} acks/s; p99 at the offered rate ` +
        `${list(p99, 1)} ms; serve ${list(serveUs)} µs, PostgreSQL backends ${list(postgresUs)} µs per delivery ` +
        `(at the offered rate: ${list(offered.offeredServeUs)} and ${list(offered.offeredPostgresUs)} µs)`,
    )
  }
  const [a, b] = summaries
  if (!a || !b) return
  const ratio = (x: number[], y: number[]) => (median(x) / median(y)).toFixed(2)
  console.log(
    `${a.side.label} / ${b.side.label} (medians): saturation x${ratio(a.saturation, b.saturation)}, ` +
      `p99 x${ratio(a.p99, b.p99)}, serve CPU x${ratio(a.serveUs, b.serveUs)}, ` +
      `PostgreSQL CPU x${ratio(a.postgresUs, b.postgresUs)}; at the offered rate serve CPU ` +
      `x${ratio(a.offeredServeUs, b.offeredServeUs)}, PostgreSQL CPU x${ratio(a.offeredPostgresUs, b.offeredPostgresUs)}`,
  )
}
