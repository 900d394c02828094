// `npm test`: the checks (typecheck, import rules, format, lint) and vitest at the same time. The
// checks run one at a time on one core, and from a cold cache they take about a minute: run before
// vitest, the other core sat idle all that while. Beside it they are one process more among
// vitest's threads and children, at the same priority: a lower one would starve them on a quiet
// machine until vitest's end, and then they would run alone on one core again
// (docs/test-suite.md). A failed check stops the run, as it did when the checks came first; its
// output is shown once, after whatever vitest printed. Arguments go to vitest.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { NODE_FLAGS } from '../test/support/cli.ts'

// vitest itself, not through npx, so that stopping it stops the run's workers too.
const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url))

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

const started = Date.now()
const checks = spawn('npm', ['run', '--silent', 'checks'], {
  stdio: ['ignore', 'pipe', 'pipe'],
})
// The flags every `bc-mirror` child of the tests gets: vitest's worker threads open PGlite dozens
// of times, and V8's baseline WebAssembly compiler alone costs them less CPU too.
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
