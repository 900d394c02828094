// `bc-mirror serve` on Node: the Hono app on @hono/node-server, the event worker, and the schedule
// (incremental sweeps, coupon sweeps, the full reconciliation, the hook check) in one process.
// startServer takes an opened database and client so tests run it in-process; runServe is the
// command: it opens everything from the settings, serves until SIGTERM or SIGINT, then stops
// accepting, lets the worker finish its batch, aborts running sweeps and closes the database.
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { BigCommerceClient } from '../bigcommerce/client.ts'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { sql } from 'drizzle-orm'
import { createApp, WEBHOOK_PATH, type DeliveryOutcome } from '../http/app.ts'
import { checkHooks, describeRepairs, recordHookState } from '../sync/hooks.ts'
import { createInboxWriter } from '../sync/inbox.ts'
import { runSync, summarizeSweepForLog, SyncBusyError, type SyncOptions } from '../sync/sweep.ts'
import { startWorker, type WorkerLogEntry, type WorkerOptions } from '../sync/worker.ts'
import { nodeLeaseIdentity } from './lease-identity.ts'
import { describeError, type Logger } from './log.ts'
import { startSchedule, type JobOutcome, type ScheduledJob } from './schedule.ts'

export interface ServerOptions {
  config: Pick<Config, 'storeHash' | 'webhookSecret' | 'clientSecret' | 'startDate' | 'schedule'>
  db: Database
  client: BigCommerceClient
  log: Logger
  port: number
  hostname?: string
  worker?: WorkerOptions
  /** How often the request summary line is written. Default 10 s. */
  requestLogMs?: number
  /** Delay before the jobs that run at start. Default 2 s (let the server settle first). */
  scheduleStartDelayMs?: number
}

export interface RunningServer {
  url: string
  port: number
  /** Stop accepting, finish the batch in hand, stop the schedule. Does not close the database. */
  stop(): Promise<void>
}

/** Counts deliveries by outcome between two summary lines (one log line per batch of requests). */
function createRequestTally(log: Logger, everyMs: number) {
  let counts = new Map<string, number>()
  let total = 0
  const flush = () => {
    if (total === 0) return
    log('info', 'requests', { deliveries: total, outcomes: Object.fromEntries(counts) })
    counts = new Map()
    total = 0
  }
  const timer = setInterval(flush, everyMs)
  timer.unref()
  return {
    add(outcome: DeliveryOutcome) {
      const key = outcome.reason ? `${outcome.status} ${outcome.reason}` : String(outcome.status)
      counts.set(key, (counts.get(key) ?? 0) + 1)
      total += 1
    },
    stop() {
      clearInterval(timer)
      flush()
    },
  }
}

function logWorker(log: Logger, entry: WorkerLogEntry) {
  const { event, ...fields } = entry
  if (event === 'batch') log('info', 'worker batch', fields)
  else log(event === 'refetch_failed' ? 'warn' : 'error', event.replace('_', ' '), fields)
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, db, client, log } = options
  const storeHash = config.storeHash
  const webhookSecret = config.webhookSecret
  if (!webhookSecret) throw new Error('serve needs WEBHOOK_SECRET')

  const worker = startWorker(
    { db, client, storeHash, log: (entry) => logWorker(log, entry) },
    options.worker,
  )
  const tally = createRequestTally(log, options.requestLogMs ?? 10_000)
  const store = createInboxWriter(db, storeHash)
  const app = createApp({
    storeHash,
    webhookSecret,
    clientSecret: config.clientSecret,
    async enqueue(event) {
      await store(event)
      worker.wake()
    },
    checkHealth: async () => (await db.execute(sql`select 1 as ok`)).length === 1,
    onDelivery: (outcome) => tally.add(outcome),
    onError: (error) => log('error', 'request failed', { error: describeError(error) }),
  })

  const lease = nodeLeaseIdentity()
  const sweep =
    (name: string, sweepOptions: SyncOptions) =>
    async (signal: AbortSignal): Promise<JobOutcome> => {
      try {
        const summary = await runSync(
          { db, client, storeHash, startDate: config.startDate, lease },
          { ...sweepOptions, signal },
        )
        log(summary.ok ? 'info' : 'warn', `sweep ${name}`, summarizeSweepForLog(summary))
        return 'done'
      } catch (error) {
        if (!(error instanceof SyncBusyError)) throw error
        log('info', `sweep ${name} skipped`, {
          reason: 'another sweep of this store is running; retrying in a minute',
        })
        return 'busy'
      }
    }
  const { schedule } = config
  const jobs: ScheduledJob[] = [
    {
      name: 'incremental',
      everyMinutes: schedule.incrementalMinutes,
      atStart: true,
      run: sweep('incremental', { tables: ['customers', 'orders', 'products'] }),
    },
    {
      name: 'coupons',
      everyMinutes: schedule.couponsMinutes,
      atStart: true,
      run: sweep('coupons', { tables: ['coupons'] }),
    },
    {
      name: 'full',
      everyMinutes: schedule.fullMinutes,
      atStart: false,
      run: sweep('full', { full: true }),
    },
    {
      name: 'hooks',
      everyMinutes: schedule.hooksMinutes,
      atStart: true,
      async run() {
        try {
          const check = await checkHooks(client, webhookSecret)
          const repaired = describeRepairs(check.result)
          const status = check.destination === null ? 'missing' : 'ok'
          await recordHookState(db, storeHash, { status, destination: check.destination, repaired })
          if (status === 'missing') {
            log('warn', 'hook check', {
              problem:
                'the store has no hooks for this mirror; run: bc-mirror webhooks ensure --url URL',
            })
          } else {
            log(repaired.length > 0 ? 'warn' : 'info', 'hook check', {
              destination: check.destination,
              repaired,
            })
          }
        } catch (error) {
          await recordHookState(db, storeHash, {
            status: 'failed',
            destination: null,
            repaired: [],
            error: describeError(error),
          })
          throw error
        }
        return 'done'
      },
    },
  ]
  const scheduled = startSchedule(
    jobs,
    (job, error) => log('error', `${job} failed`, { error: describeError(error) }),
    {
      startDelayMs: options.scheduleStartDelayMs ?? 2_000,
    },
  )

  let server: ServerType
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: options.port, hostname: options.hostname }, () =>
        resolve(s),
      )
      s.once('error', reject)
    })
  } catch (error) {
    await Promise.all([worker.stop(), scheduled.stop()])
    tally.stop()
    throw error
  }
  const port = (server.address() as AddressInfo).port
  const host = !options.hostname || options.hostname === '0.0.0.0' ? '127.0.0.1' : options.hostname
  const url = `http://${host}:${port}`
  log('info', 'listening', { url, webhook: `${url}${WEBHOOK_PATH}`, storeHash })

  return {
    url,
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      await Promise.all([closed, worker.stop(), scheduled.stop()])
      tally.stop()
    },
  }
}

/** Resolves on the first SIGTERM or SIGINT. */
export function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (signal: string) => {
      process.off('SIGTERM', handler)
      process.off('SIGINT', handler)
      resolve(signal)
    }
    process.on('SIGTERM', handler)
    process.on('SIGINT', handler)
  })
}

export interface ServeCommandOptions {
  /** Runs after the server listens (the demo registers its hooks and starts changing its store). */
  afterListen?: (server: RunningServer) => Promise<void> | void
  /** Runs after the server stopped, before the database closes. */
  beforeClose?: () => Promise<void>
  worker?: WorkerOptions
  log?: Logger
}

/** The whole `serve` command: open, serve until a stop signal, shut down cleanly. */
export async function runServe(config: Config, options: ServeCommandOptions = {}): Promise<void> {
  const { createJsonLogger } = await import('./log.ts')
  const { openConfiguredDatabase } = await import('./open-database.ts')
  const { createStoreClient } = await import('./store-client.ts')
  const log =
    options.log ??
    createJsonLogger([
      config.accessToken,
      config.webhookSecret,
      config.clientSecret,
      config.databaseUrl,
    ])
  const opened = await openConfiguredDatabase(config, 'bc-mirror serve')
  let server: RunningServer | undefined
  try {
    const client = createStoreClient(config, (event) => {
      if (event.type === 'retry') log('warn', 'api retry', { ...event })
      else if (event.type === 'throttled') log('warn', 'api throttled', { ...event })
    })
    server = await startServer({
      config,
      db: opened.db,
      client,
      log,
      port: config.port,
      worker: options.worker,
    })
    await options.afterListen?.(server)
    const signal = await waitForStopSignal()
    log('info', 'stopping', { signal })
  } finally {
    await server?.stop()
    await options.beforeClose?.()
    await opened.close()
    log('info', 'stopped')
  }
}
