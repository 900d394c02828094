import { defineConfig } from 'vitest/config'

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
    // The ten slowest tests and any past half of its timeout, after every run.
    reporters: ['default', './test/support/timings-reporter.ts'],
  },
})
