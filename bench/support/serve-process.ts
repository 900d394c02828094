// `bc-mirror serve` as a child process for benchmarks: started with only the environment given,
// resolved once it logs that it is listening.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/bc-mirror.js', import.meta.url))

export async function startServeProcess(
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve'], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let buffer = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const match = /"msg":"listening","url":"([^"]+)"/.exec(buffer)
      if (match?.[1]) resolve(match[1])
      // Keep only the tail: the worker logs a line per batch and nobody reads them here.
      if (buffer.length > 100_000) buffer = buffer.slice(-1000)
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
  })
  return { child, url }
}
