// Runs the background half of `serve` (background.ts: the event worker and the schedule) in a
// thread of its own, with its own PostgreSQL connections, so that nothing it does (parsing a page
// of 250 products, a garbage collection of its heap) holds up the receiver's event loop: a
// delivery is answered as soon as its insert commits. The thread also runs at a lower CPU priority
// (Linux sets nice values per thread), so on a small machine acknowledgements come first and the
// background catches up in the gaps. Used when the database is PostgreSQL; PGlite lives in one
// thread, so there the background runs beside the receiver.
import { Worker } from 'node:worker_threads'
import type { ClientEvent } from '../bigcommerce/client.ts'
import type { PacerSnapshot } from '../bigcommerce/pacer.ts'
import type { Config } from '../config.ts'
import type { EventWorkerOptions } from '../sync/events/event-worker.ts'
import type { BackgroundWork } from './background.ts'
import type { BatchPaceOptions } from './fleet-batch-pace.ts'
import type { LogFields, Logger, LogLevel } from '../util/log.ts'

/** What the thread is started with. */
export interface ThreadData {
  config: Config
  worker?: EventWorkerOptions
  apiRetryMaxMs?: number
  fleet?: FleetSettings
}

/** The fleet's settings that cross into the thread (fleet.ts FleetOptions). */
export interface FleetSettings {
  leaseMs?: number
  refreshMs?: number
  batchSlots?: number
  batchPace?: BatchPaceOptions
}

/** Events stored for a store (null: whichever), by their tables, and how many. */
export type Wakes = Array<[store: string | null, resources: Array<string | null>, events: number]>

export type ToThread = { type: 'wake'; wakes: Wakes } | { type: 'stores' } | { type: 'stop' }
export type FromThread =
  | { type: 'ready' }
  | { type: 'log'; level: LogLevel; msg: string; fields?: LogFields }
  | { type: 'api'; store: string; event: ClientEvent; quota: PacerSnapshot }

// Built (dist/), this module is JavaScript and the thread runs the compiled body directly. Run from
// the TypeScript sources (tests, benchmarks), a plain .js shim registers tsx inside the thread
// first: a worker thread does not inherit the loader of the thread that started it.
const FROM_SOURCES = import.meta.url.endsWith('.ts')
const ENTRY = new URL(
  FROM_SOURCES ? './background-thread-entry.js' : './background-thread-body.js',
  import.meta.url,
)

export interface BackgroundThreadOptions {
  log: Logger
  worker?: EventWorkerOptions
  /** Told of each API event of the thread's client, for the receiver's `/metrics`. */
  onApiEvent?: (event: ClientEvent, quota: PacerSnapshot, storeHash: string) => void
  apiRetryMaxMs?: number
  fleet?: FleetSettings
  /** The thread's program; tests give one that fails on purpose. Default: the background. */
  entry?: URL
}

export async function startBackgroundThread(
  config: Config,
  options: BackgroundThreadOptions,
): Promise<BackgroundWork> {
  const data: ThreadData = {
    config,
    worker: options.worker,
    apiRetryMaxMs: options.apiRetryMaxMs,
    fleet: options.fleet,
  }
  const thread = new Worker(options.entry ?? ENTRY, { workerData: data })
  let ready: () => void = () => {}
  const started = new Promise<void>((resolve) => (ready = resolve))
  // Log lines come through here, so that they are masked and ordered by the one logger.
  thread.on('message', (message: FromThread) => {
    if (message.type === 'ready') ready()
    else if (message.type === 'api')
      options.onApiEvent?.(message.event, message.quota, message.store)
    else options.log(message.level, message.msg, message.fields)
  })
  let stopping = false
  // Listened for from the start, so that stop() also returns for a thread that already ended.
  const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()))
  const crashed = new Promise<unknown>((resolve) => {
    thread.once('error', resolve)
    thread.once('exit', (code) => {
      if (!stopping) resolve(new Error(`the background thread exited with code ${code}`))
    })
  })
  const failedToStart = crashed.then((error) => Promise.reject(error))
  await Promise.race([started, failedToStart])

  // One message per turn of the event loop however many events were stored in it.
  let toWake: Map<string | null, { names: Set<string | null>; events: number }> | null = null
  const send = (message: ToThread) => thread.postMessage(message)
  return {
    wake(resources, storeHash, events = 1) {
      if (!toWake) {
        const queued = (toWake = new Map())
        setImmediate(() => {
          toWake = null
          const wakes: Wakes = [...queued].map(([store, w]) => [store, [...w.names], w.events])
          send({ type: 'wake', wakes })
        })
      }
      const key = storeHash ?? null
      const queued = toWake.get(key) ?? { names: new Set<string | null>(), events: 0 }
      for (const name of resources) queued.names.add(name)
      queued.events += events
      toWake.set(key, queued)
    },
    storesChanged: () => send({ type: 'stores' }),
    async stop() {
      stopping = true
      send({ type: 'stop' })
      await exited
    },
    crashed,
  }
}
