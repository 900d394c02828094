// Runs once per `vitest run`, before anything else: `npm run build` (tsc -b, incremental: about a
// second when nothing changed). The tests that spawn bin/bc-mirror.js run the compiled program in
// dist/, so they must run the code as it is now, never a build left over from before an edit.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export default function buildOnce(): void {
  const run = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' })
  if (run.status !== 0) {
    throw new Error(
      `npm run build failed, so the command under test would be stale:\n${run.stdout}${run.stderr}`,
    )
  }
}
