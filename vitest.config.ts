import { defineConfig } from 'vitest/config'
import SlowestFirst from './test/support/slowest-first.ts'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // build.ts first: the spawned `bc-mirror` runs dist/, which must be fresh.
    globalSetup: ['test/support/build.ts', 'test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2 cores, but the suites spend much of their time waiting on child processes and timers:
    // three forks took the embedded suite from 388 s to 353 s (docs/test-suite.md).
    maxWorkers: 3,
    // Worker threads, not child processes: less CPU per file on this CPU-bound suite (measured in
    // docs/test-suite.md). Nothing in the tests changes the process's cwd, env or umask.
    pool: 'threads',
    // One module graph per worker thread, not one per file: each file's fresh import of src/,
    // drizzle, PGlite's JS and the simulator cost ~0.5 s of CPU (45 in-process files: 113.9 s of
    // CPU isolated, 90.9 s not; docs/test-suite.md). No test mocks a module or leaves a global
    // changed (pacer's fake timers and stores-cli's spies are restored after each test).
    isolate: false,
    // The known-slowest files first, so that none of them starts last and runs alone at the end.
    sequence: { sequencer: SlowestFirst },
    // The ten slowest tests and any past half of its timeout, after every run.
    reporters: ['default', './test/support/timings-reporter.ts'],
  },
})
