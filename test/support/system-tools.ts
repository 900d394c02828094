// Suites that drive a program of the machine's (Chromium, psql): without it a developer's run skips
// them with one line saying what to install; CI (CI=true) must have it, so there they run and fail.
import { spawnSync } from 'node:child_process'

export interface SystemTool {
  /** The program is not on this machine. */
  missing: boolean
  /** Skip the suite: missing, and not under CI. */
  skip: boolean
  /** Why it cannot run, with the install step. */
  reason: string
}

/** Looks for `command` (run with `--version`); `install` is the Debian package that has it. */
export function systemTool(suite: string, command: string, install: string): SystemTool {
  const missing = spawnSync(command, ['--version'], { stdio: 'ignore' }).error !== undefined
  const reason = `${command} is not installed: apt-get install ${install} (.ci/run does)`
  const skip = missing && !process.env.CI
  if (skip) console.warn(`${suite} skipped: ${reason}; under CI=true it fails instead`)
  return { missing, skip, reason }
}
