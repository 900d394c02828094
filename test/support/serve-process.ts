// The real `bc-mirror serve` in a child process for tests: its JSON log lines as they come, its
// exit, and a wait for its "listening" line.
import { spawn, type ChildProcess } from 'node:child_process'
import { cp } from 'node:fs/promises'
import { inject } from 'vitest'
import { BIN, NODE_FLAGS, cliEnv } from './cli.ts'

export interface ServeChild {
  process: ChildProcess
  lines: Array<Record<string, unknown>>
  raw: () => string
  exited: Promise<number | null>
}

export function startServeChild(
  env: Record<string, string | undefined>,
  args: string[] = [],
): ServeChild {
  const child = spawn(process.execPath, [...NODE_FLAGS, BIN, 'serve', ...args], {
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: Array<Record<string, unknown>> = []
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString()
    const parts = out.split('\n')
    out = parts.pop() ?? ''
    for (const line of parts)
      if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>)
  })
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { process: child, lines, raw: () => JSON.stringify(lines) + err, exited }
}

/** Resolves with serve's first log line with this `msg`; fails if serve exits first. */
export async function waitForLog(
  child: ServeChild,
  msg: string,
  timeout = 30_000,
): Promise<Record<string, unknown>> {
  // A plain loop, not expect.poll: this also runs in beforeAll hooks.
  const until = Date.now() + timeout
  for (;;) {
    const line = child.lines.find((l) => l.msg === msg)
    if (line) return line
    if (child.process.exitCode !== null) throw new Error(`serve exited early: ${child.raw()}`)
    if (Date.now() > until) throw new Error(`serve did not log "${msg}" within ${timeout} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Resolves with the server's URL once it listens; fails if it exits first. */
export async function listeningUrl(child: ServeChild): Promise<string> {
  return String((await waitForLog(child, 'listening')).url)
}

/** SIGTERM, then the exit code. */
export async function stopChild(child: ServeChild): Promise<number | null> {
  if (child.process.exitCode === null) child.process.kill('SIGTERM')
  return child.exited
}

/**
 * An embedded database directory, already migrated: a copy of the suite's image unpacked once per
 * run (global-setup.ts), what `bc-mirror` would make from its own image in a new DATA_DIR.
 */
export async function seedDataDir(dir: string): Promise<string> {
  await cp(inject('pgliteDataDir'), dir, { recursive: true })
  return dir
}
