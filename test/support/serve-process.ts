// The real `bc-mirror serve` in a child process for tests: its JSON log lines as they come, its
// exit, and a wait for its "listening" line.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { expect, inject } from 'vitest'
import { openPglite } from '../../src/db/pglite.ts'
import { BIN, cliEnv } from './cli.ts'

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
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
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

/** Resolves with the server's URL once it listens; fails if it exits first. */
export async function listeningUrl(child: ServeChild): Promise<string> {
  const started = () => {
    if (child.process.exitCode !== null) throw new Error(`serve exited early: ${child.raw()}`)
    return child.lines.find((l) => l.msg === 'listening')
  }
  await expect.poll(started, { timeout: 30_000 }).toBeTruthy()
  return String(child.lines.find((l) => l.msg === 'listening')?.url)
}

/** SIGTERM, then the exit code. */
export async function stopChild(child: ServeChild): Promise<number | null> {
  if (child.process.exitCode === null) child.process.kill('SIGTERM')
  return child.exited
}

/** An embedded database directory, already migrated (cloning the suite's image skips initdb). */
export async function seedDataDir(dir: string) {
  const image = new Blob([await readFile(inject('pgliteImage'))])
  const db = await openPglite({ dataDir: dir, loadDataDir: image })
  await db.close()
}
