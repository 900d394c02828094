// Running the pinned wrangler from the tests: offline (no metrics, no Cloudflare lookups), in its
// own process group so that stopping it also stops the workerd it starts, and with its logs and
// local state in a temporary directory.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { freePort } from '../support/ports.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const WRANGLER = fileURLToPath(
  new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url),
)

export interface WranglerRun {
  code: number | null
  output: string
}

function offlineEnv(workDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_LOG_PATH: join(workDir, 'logs'),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    CI: '1',
  }
}

/** Runs wrangler to completion (e.g. `deploy --dry-run`). */
export async function runWrangler(args: string[], timeoutMs = 120_000): Promise<WranglerRun> {
  const workDir = await mkdtemp(join(tmpdir(), 'bcm-wrangler-'))
  try {
    return await new Promise<WranglerRun>((resolve, reject) => {
      const child = spawn(process.execPath, [WRANGLER, ...args], {
        cwd: ROOT,
        env: offlineEnv(workDir),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      child.on('error', reject)
      child.on('close', (code) => {
        clearTimeout(timer)
        resolve({ code, output })
      })
    })
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

export interface WranglerDev {
  url: string
  /** Everything wrangler and the Worker printed so far. */
  output(): string
  /** Stops wrangler and workerd (the whole process group) and removes the temporary state. */
  stop(): Promise<void>
}

/**
 * Starts `wrangler dev --test-scheduled` on a free port with `vars` passed as `--var`, and waits
 * until `readyPath` answers (any status but a connection error) or the process exits.
 */
export async function startWranglerDev(
  vars: Record<string, string>,
  readyPath = '/healthz',
  /** A port chosen beforehand (a PUBLIC_URL names it); default a free one. */
  chosenPort?: number,
): Promise<WranglerDev> {
  const workDir = await mkdtemp(join(tmpdir(), 'bcm-wrangler-dev-'))
  const port = chosenPort ?? (await freePort())
  const inspectorPort = await freePort()
  const args = [
    WRANGLER,
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--test-scheduled',
    '--persist-to',
    join(workDir, 'state'),
    '--show-interactive-dev-session=false',
    '--log-level',
    'log',
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ]
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: offlineEnv(workDir),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  let running = true
  void exited.then(() => (running = false))

  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return
    try {
      process.kill(-child.pid, signal)
    } catch {
      // already gone
    }
  }
  const stop = async () => {
    killGroup('SIGTERM')
    const timer = setTimeout(() => killGroup('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
    // workerd may outlive wrangler for a moment; nothing of the group may stay behind.
    killGroup('SIGKILL')
    await rm(workDir, { recursive: true, force: true })
  }

  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  try {
    for (;;) {
      if (!running) throw new Error(`wrangler dev exited before it was ready:\n${output}`)
      if (Date.now() > deadline) throw new Error(`wrangler dev not ready after 90 s:\n${output}`)
      const answered = await fetch(`${url}${readyPath}`, {
        signal: AbortSignal.timeout(10_000),
      }).then(
        (response) => response.body?.cancel().then(() => true) ?? true,
        () => false,
      )
      if (answered) break
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { url, output: () => output, stop }
}
