// The order vitest hands files to its workers: the known-slowest first, then vitest's own order.
// Without its results cache (a fresh clone, CI, node_modules reinstalled) vitest runs larger files
// first, so the convergence seeds (a few lines each, ~40 s) started last and ran alone at the end
// of the run, one core idle. Longest first keeps the run's tail short (docs/test-suite.md).
import { existsSync } from 'node:fs'
import { relative } from 'node:path'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * Slowest first, by each file's wall time in the whole embedded run of docs/test-suite.md's last
 * section (cold caches, 2026-12-06 13:25). A file that becomes one of the slowest belongs here.
 */
export const SLOWEST_FILES = [
  'test/sync/sync-cli.test.ts',
  'test/sync/list-absence.test.ts',
  'test/reliability/convergence-seed-1.test.ts',
  'test/http/webhook-fuzz.test.ts',
  'test/node/serve-faults.test.ts',
  'test/reliability/convergence-seed-2.test.ts',
  'test/cli-input.test.ts',
  'test/sync/sync-faults-cli.test.ts',
  'test/node/serve.test.ts',
  'test/sync/harsh-store.test.ts',
  'test/package/library.test.ts',
  // Paced by the clock (requests a second), not by the CPU: its waits overlap others' work.
  'test/bigcommerce/pacing.test.ts',
  'test/cli.test.ts',
  'test/sync/sweep.test.ts',
  'test/node/app-mode.test.ts',
  'test/sync/verify.test.ts',
  'test/node/schedule.test.ts',
  'test/sync/sync-stop-cli.test.ts',
  'test/status/status-cli.test.ts',
]

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root
    // A renamed or removed file should leave the list: said, but no reason to fail a run.
    const missing = SLOWEST_FILES.filter((file) => !existsSync(`${root}/${file}`))
    if (missing.length > 0)
      console.warn(`test/support/slowest-first.ts names files that do not exist: ${missing}`)
    const rank = (spec: TestSpecification) => {
      const index = SLOWEST_FILES.indexOf(relative(root, spec.moduleId))
      return index === -1 ? SLOWEST_FILES.length : index
    }
    const sorted = await super.sort(files)
    // Array.prototype.sort is stable: the files not listed keep vitest's order after the listed.
    return sorted.sort((a, b) => rank(a) - rank(b))
  }
}
