// Another commit of this repository, checked out and built beside the working copy, so that a
// benchmark can run both side by side (`bench:webhooks --compare <commit>`). The checkout is a
// temporary `git worktree` (removed again by `remove()`); its node_modules is either a link to
// this checkout's (fast: right when the commit's dependencies match ours) or its own `npm ci`.
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface CommitCheckout {
  /** The full commit id and its first line, for the report. */
  sha: string
  subject: string
  dir: string
  /** That commit's `bc-mirror` entry point. */
  bin: string
  /** How its node_modules came about: `linked` or `npm ci`. */
  modules: 'linked' | 'npm ci'
  remove(): void
}

function run(command: string, args: string[], options: ExecFileSyncOptions = {}): string {
  const out = execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', ...options })
  return (out ?? '').toString().trim()
}

/** Checks out `ref` in a temporary worktree, gives it dependencies and runs its own build. */
export function checkoutCommit(ref: string, install: 'link' | 'npm ci'): CommitCheckout {
  let sha: string
  try {
    sha = run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])
  } catch {
    throw new Error(`--compare ${ref}: not a commit of this repository (expected a commit id)`)
  }
  const subject = run('git', ['log', '-1', '--format=%cs %s', sha])
  const parent = mkdtempSync(join(tmpdir(), 'bcm-compare-'))
  const dir = join(parent, sha.slice(0, 12))
  run('git', ['worktree', 'add', '--detach', dir, sha], { stdio: 'ignore' })
  const remove = () => {
    rmSync(parent, { recursive: true, force: true })
    run('git', ['worktree', 'prune'], { stdio: 'ignore' })
  }
  try {
    if (install === 'link') symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
    else run('npm', ['ci', '--ignore-scripts', '--no-audit'], { cwd: dir, stdio: 'inherit' })
    // A commit from before the build step ran its TypeScript through tsx's loader: no build.
    const scripts = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts ?? {}
    if (scripts.build) run('npm', ['run', '--silent', 'build'], { cwd: dir, stdio: 'inherit' })
    const bin = join(dir, 'bin', 'bc-mirror.js')
    if (!existsSync(bin)) throw new Error(`commit ${sha.slice(0, 12)} has no bin/bc-mirror.js`)
    return { sha, subject, dir, bin, modules: install === 'link' ? 'linked' : 'npm ci', remove }
  } catch (error) {
    remove()
    throw error
  }
}
