// `bc-mirror serve` as a child process for benchmarks: started with only the environment given,
// resolved once it logs that it is listening.
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/bc-mirror.js', import.meta.url))

export async function startServeProcess(
  env: Record<string, string>,
  nodeArgs: string[] = [],
  /** Told each log line (one JSON object) serve writes. */
  onLine?: (line: string) => void,
  /** Another checkout's entry point (`bench:webhooks --compare`); default this one's. */
  bin: string = BIN,
  /** serve's own arguments (e.g. --allow-insecure). */
  serveArgs: string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...nodeArgs, bin, 'serve', ...serveArgs], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout! })
  // BENCH_SERVE_STDOUT_DIR=dir keeps each serve's output (its log, and V8's --trace-gc lines).
  const tee = process.env.BENCH_SERVE_STDOUT_DIR
  if (tee) lines.on('line', (line) => appendFileSync(`${tee}/serve-${child.pid}.log`, `${line}\n`))
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const match = /"msg":"listening","url":"([^"]+)"/.exec(line)
      if (match?.[1]) resolve(match[1])
      onLine?.(line)
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
  })
  return { child, url }
}
