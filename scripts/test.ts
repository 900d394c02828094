// `npm test`: the checks (typecheck, import rules, format, lint) and vitest at the same time. The
// checks run one at a time on one core, and from a cold cache they take about a minute: run before
// vitest, the other core sat idle all that while. Beside it, at a lower priority, they take the
// cycles vitest leaves (its waits, its last files) instead of slowing its tests
// (docs/test-suite.md). A failed check stops the run, as it did when the checks came first; its
// output is shown once, after whatever vitest printed. Arguments go to vitest.
import { spawn, type ChildProcess } from 'node:child_process'
import { constants, getPriority, setPriority } from 'node:os'
import { fileURLToPath } from 'node:url'

// vitest itself, not through npx, so that stopping it stops the run's workers too.
const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url))
// Its worker threads open PGlite dozens of times: V8's baseline WebAssembly compiler alone costs
// less CPU than optimising PGlite in the background again in every thread (docs/test-suite.md;
// the tests' own children run with it too, test/support/cli.ts).
const NODE_FLAGS = ['--liftoff-only']

/** How much lower the checks' priority is than this process's (nice values: higher is lower). */
const CHECKS_NICENESS = 10

interface Finished {
  code: number
  output: string
}

function finished(child: ChildProcess, keepOutput: boolean): Promise<Finished> {
  let output = ''
  if (keepOutput) {
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  }
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: 1, output: `${output}${error.message}\n` }))
    // A child ended by a signal has no code: a failure all the same.
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}

/** Lowers the child's priority; where that is not allowed, the checks run at the same priority. */
function lowerPriority(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    const current = getPriority()
    setPriority(child.pid, Math.min(constants.priority.PRIORITY_LOW, current + CHECKS_NICENESS))
  } catch {
    // Not worth failing the tests over: only the run's length depends on it.
  }
}

const started = Date.now()
const checks = spawn('npm', ['run', '--silent', 'checks'], {
  stdio: ['ignore', 'pipe', 'pipe'],
})
// Before npm has started any of the checks, so they all inherit it.
lowerPriority(checks)
const vitest = spawn(process.execPath, [...NODE_FLAGS, VITEST, 'run', ...process.argv.slice(2)], {
  stdio: 'inherit',
})

const checksDone = finished(checks, true)
const vitestDone = finished(vitest, false)

const checked = await checksDone
const seconds = ((Date.now() - started) / 1000).toFixed(0)
if (checked.code !== 0) {
  // As when the checks came first: a build that does not check stops here.
  vitest.kill('SIGTERM')
  await vitestDone
  process.stderr.write(
    `\n${checked.output}\nnpm test: the checks (npm run checks) failed after ${seconds} s; tests stopped.\n`,
  )
  process.exit(checked.code)
}
const tested = await vitestDone
process.stdout.write(
  `npm test: the checks (typecheck, import rules, format, lint) passed in ${seconds} s.\n`,
)
process.exit(tested.code)
