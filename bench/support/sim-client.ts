// The simulated store in its own process (src/sim/serve.ts) for benchmarks: in the benchmark's
// process, rendering large pages of JSON would compete with the code being measured.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import type { SimStats, SimStoreOptions } from '../../src/sim/server.ts'

const SERVE = fileURLToPath(new URL('../../src/sim/serve.ts', import.meta.url))

export type SimProcess = Awaited<ReturnType<typeof startSimProcess>>

export async function startSimProcess(options: SimStoreOptions) {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  const [line] = (await once(lines, 'line')) as [string]
  const info = JSON.parse(line) as { url: string; storeHash: string; accessToken: string }
  return {
    ...info,
    async configure(changes: Partial<SimStoreOptions>): Promise<void> {
      await fetch(`${info.url}/__sim/options`, { method: 'POST', body: JSON.stringify(changes) })
    },
    /** Edits these orders' first line (moves their date_modified). */
    async editOrders(ids: number[]): Promise<void> {
      await fetch(`${info.url}/__sim/orders/edit`, {
        method: 'POST',
        body: JSON.stringify({ ids }),
      })
    },
    async stats(): Promise<SimStats> {
      return (await (await fetch(`${info.url}/__sim/stats`)).json()) as SimStats
    },
    async close() {
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}
