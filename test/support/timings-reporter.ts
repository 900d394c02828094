// After every run: the ten slowest tests and files, and any test that took more than half of its
// timeout (a test near its timeout fails on a loaded machine). TEST_TIMINGS_FILE=path also writes
// every figure as JSON, which docs/test-suite.md's figures come from.
import { writeFile } from 'node:fs/promises'
import type { Reporter, TestModule } from 'vitest/node'

interface TestTiming {
  name: string
  seconds: number
  timeoutSeconds: number
}

function testTimings(modules: ReadonlyArray<TestModule>, defaultTimeout: number): TestTiming[] {
  const timings: TestTiming[] = []
  for (const module of modules) {
    for (const test of module.children.allTests()) {
      const diagnostic = test.diagnostic()
      if (!diagnostic) continue
      timings.push({
        name: `${module.relativeModuleId} > ${test.fullName}`,
        seconds: diagnostic.duration / 1000,
        timeoutSeconds: (test.options.timeout ?? defaultTimeout) / 1000,
      })
    }
  }
  return timings.sort((a, b) => b.seconds - a.seconds)
}

const line = (seconds: number, name: string) => `  ${seconds.toFixed(1).padStart(6)} s  ${name}`

export default class TimingsReporter implements Reporter {
  private started = Date.now()
  private defaultTimeout = 60_000

  onInit(vitest: { config: { testTimeout: number } }): void {
    this.started = Date.now()
    this.defaultTimeout = vitest.config.testTimeout
  }

  async onTestRunEnd(modules: ReadonlyArray<TestModule>): Promise<void> {
    const tests = testTimings(modules, this.defaultTimeout)
    const files = modules
      .map((m) => ({ name: m.relativeModuleId, seconds: m.diagnostic().duration / 1000 }))
      .sort((a, b) => b.seconds - a.seconds)
    const nearTimeout = tests.filter((t) => t.seconds > t.timeoutSeconds / 2)
    const total = (Date.now() - this.started) / 1000
    const out = [
      '',
      `Timings: ${total.toFixed(0)} s in all, ${tests.length} tests in ${files.length} files`,
      'Slowest tests:',
      ...tests.slice(0, 10).map((t) => line(t.seconds, t.name)),
      'Slowest files:',
      ...files.slice(0, 10).map((f) => line(f.seconds, f.name)),
      nearTimeout.length === 0
        ? 'No test took more than half of its timeout.'
        : `Tests past half of their timeout (${nearTimeout.length}):`,
      ...nearTimeout.map((t) => line(t.seconds, `${t.name} (timeout ${t.timeoutSeconds} s)`)),
    ]
    process.stdout.write(`${out.join('\n')}\n`)
    const file = process.env.TEST_TIMINGS_FILE
    if (file) await writeFile(file, JSON.stringify({ totalSeconds: total, tests, files }, null, 2))
  }
}
