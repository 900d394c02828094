// The program of the background thread (see background-thread.ts): opens its own PostgreSQL
// connections, runs every store's worker and schedule (fleet.ts), sends its log lines to the main
// thread, and on `stop` finishes its batch, closes its connections and ends.
import { getPriority, setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { openPostgres } from '../db/postgres.ts'
import type { FromThread, ThreadData, ToThread } from './background-thread.ts'
import { describeError, type LogFields, type Logger } from '../util/log.ts'
import { startFleetWork } from './fleet.ts'
import { openStoreDirectory } from './store-directory.ts'

/** How far below the receiver the background thread runs (nice steps above the process's own). */
const BACKGROUND_NICE_STEPS = 10
/** Linux's lowest priority. */
const MAX_NICE = 19

if (!parentPort) throw new Error('background-thread-body.ts runs only as a worker thread')
const port = parentPort
const { config, worker, apiRetryMaxMs, fleet } = workerData as ThreadData
if (!config.databaseUrl) throw new Error('the background thread needs DATABASE_URL')

if (process.platform === 'linux') {
  try {
    // This thread only (Linux keeps nice values per thread), and relative to the process: a serve
    // started under `nice` must not find its background above its receiver.
    setPriority(Math.min(MAX_NICE, getPriority() + BACKGROUND_NICE_STEPS))
  } catch {
    // Best effort: without it the background competes with the receiver on equal terms.
  }
}

const post = (message: FromThread) => port.postMessage(message)
// Fields go as the JSON the logger would write anyway: a value that cannot be cloned into a
// message (a function, say) must not turn a log line into a crash of the thread.
const asJson = (fields: LogFields) => JSON.parse(JSON.stringify(fields)) as LogFields
const log: Logger = (level, msg, fields) =>
  post({ type: 'log', level, msg, fields: fields && asJson(fields) })
const db = openPostgres(config.databaseUrl)
const work = startFleetWork({
  config,
  db,
  directory: await openStoreDirectory(config, db, log),
  log,
  worker,
  apiRetryMaxMs,
  leaseMs: fleet?.leaseMs,
  refreshMs: fleet?.refreshMs,
  batchSlots: fleet?.batchSlots,
  batchPace: fleet?.batchPace,
  // Each API event also goes to the receiver, whose `/metrics` counts them.
  onApiEvent: (store, event, quota) => post({ type: 'api', store, event: { ...event }, quota }),
})

port.on('message', (message: ToThread) => {
  if (message.type === 'wake')
    for (const [store, resources, events] of message.wakes)
      work.wake(resources, store ?? undefined, events)
  else if (message.type === 'stores') work.storesChanged?.()
  // A message handler has nothing to wait for; stop() reports its own failure.
  else void stop()
})

/** Finishes the batch and closes; a failure on the way is logged, and the thread ends anyway. */
async function stop() {
  const logFailure = (error: unknown) =>
    log('error', 'background stop failed', { error: describeError(error) })
  await work.stop().catch(logFailure)
  await db.close().catch(logFailure)
  port.close()
}

post({ type: 'ready' })
