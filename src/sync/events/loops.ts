// The event worker's loops: one per table, so that a table whose endpoint hangs holds back only
// its own events, one for events of no table, and one for housekeeping. Each runs batches back to
// back while events are due and polls while the inbox is empty; a wake() cuts the poll short.
import { describeCause } from '../../db/errors.ts'
import { EVENT_TABLES } from '../../resources/index.ts'
import { processBatch } from './batch.ts'
import { pruneEvents, type ClaimOptions } from './inbox.ts'
import type { BatchSummary, EventWorkerContext, EventWorkerOptions } from './worker-types.ts'

export interface RunningEventWorker {
  /**
   * Events were just stored: look soon instead of at the next poll. Given the events' tables,
   * only their loops look (the others' claims would find nothing and cost the database a scan of
   * the pending events each); without, every loop does.
   */
  wake(resources?: Iterable<string | null>): void
  /** Finishes the batch in hand, then stops. */
  stop(): Promise<void>
}

/**
 * Runs batches until stopped, one loop per table plus one for events of no table (marked
 * ignored): back to back while events are due, polling while the inbox is empty.
 */
export function startEventWorker(
  ctx: EventWorkerContext,
  options: EventWorkerOptions = {},
): RunningEventWorker {
  const retainMs = options.retainMs ?? 7 * 86_400_000
  const byTable = new Map<string, RunningEventWorker>(
    EVENT_TABLES.map((name) => [name, startLoop(ctx, options, { only: name })]),
  )
  const others = startLoop(ctx, options, { except: EVENT_TABLES })
  const loops = [...byTable.values(), others]
  // Housekeeping in a loop of its own too: a slow delete must not hold back any table.
  const pruning = startLoop(
    ctx,
    // Never woken: its start waits pruneDelayMs instead of a wake.
    { ...options, idleMs: 3_600_000, startAsleep: false },
    null,
    async () => {
      await pruneEvents(ctx.db, ctx.storeHash, retainMs)
      return null
    },
    options.pruneDelayMs ?? 60_000,
  )
  return {
    wake(resources) {
      if (!resources) for (const loop of loops) loop.wake()
      else for (const name of resources) (byTable.get(name ?? '') ?? others).wake()
    },
    async stop() {
      await Promise.all([...loops, pruning].map((loop) => loop.stop()))
    },
  }
}

/** What stop() and wake() share with a running loop. */
interface LoopState {
  stopping: boolean
  /** An event arrived since the last claim. */
  woken: boolean
  /** Ends the current pause if wake() may end it. */
  wakeUp: (() => void) | null
  /** Ends the current pause. */
  interrupt: (() => void) | null
}

interface LoopSettings {
  ctx: EventWorkerContext
  resource: ClaimOptions['resource'] | null
  work: () => Promise<BatchSummary | null>
  batchSize: number
  idleMs: number
  gatherMs: number
  minBatchIntervalMs: number
  startAsleep: boolean
  /** Wait before the first batch (stop() cuts it short). */
  startAfterMs: number
}

/** One loop of batches for the events `resource` selects (or of `work`, for housekeeping). */
function startLoop(
  ctx: EventWorkerContext,
  options: EventWorkerOptions,
  resource: ClaimOptions['resource'] | null,
  work: () => Promise<BatchSummary | null> = () =>
    inSlot(ctx, () => processBatch(ctx, options, resource ?? undefined)),
  startAfterMs = 0,
): RunningEventWorker {
  const state: LoopState = { stopping: false, woken: false, wakeUp: null, interrupt: null }
  const running = runLoop(state, {
    ctx,
    resource,
    work,
    batchSize: options.batchSize ?? 1000,
    idleMs: options.idleMs ?? 1000,
    gatherMs: options.gatherMs ?? 20,
    minBatchIntervalMs: options.minBatchIntervalMs ?? 300,
    startAsleep: options.startAsleep ?? false,
    startAfterMs,
  })
  return {
    wake() {
      state.woken = true
      state.wakeUp?.()
    },
    async stop() {
      state.stopping = true
      state.interrupt?.()
      await running
    },
  }
}

/** Runs `fn` holding one of the process's batch slots, when it bounds them. */
async function inSlot<T>(ctx: EventWorkerContext, fn: () => Promise<T>): Promise<T> {
  if (!ctx.batchSlot) return fn()
  const release = await ctx.batchSlot()
  try {
    return await fn()
  } finally {
    release()
  }
}

/** Waits `ms`; stop() always cuts it short, wake() only when `untilWoken`. */
function pause(state: LoopState, ms: number, untilWoken: boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      state.wakeUp = null
      state.interrupt = null
      resolve()
    }
    state.interrupt = done
    if (untilWoken) state.wakeUp = done
  })
}

async function runLoop(state: LoopState, loop: LoopSettings): Promise<void> {
  // A store's first delivery in a while starts its worker: the loops of other tables would each
  // claim nothing, a statement apiece for every store a flood wakes.
  if (loop.startAsleep && !state.woken) await pause(state, loop.idleMs, true)
  if (loop.startAfterMs > 0) await pause(state, loop.startAfterMs, false)
  while (!state.stopping) {
    // The API refuses the token or is out: claim nothing until the gate's wait is over.
    const apiDelay = loop.resource ? (loop.ctx.apiDelayMs?.() ?? 0) : 0
    if (apiDelay > 0) {
      await pause(state, apiDelay, false)
      continue
    }
    if (await runBatch(state, loop)) continue
    if (state.stopping) break
    if (!state.woken) await pause(state, loop.idleMs, true)
    if (!state.stopping && loop.gatherMs > 0) await pause(state, loop.gatherMs, false)
  }
}

/**
 * Runs one batch; true when the next claim should follow without a poll: the batch was full, or
 * events arrived while it ran. Otherwise the claim that found these events took every one that
 * was due, and a claim now would find nothing (with many quiet stores, one empty claim a batch
 * was a statement for every batch); the next wake or poll starts the next.
 */
async function runBatch(state: LoopState, loop: LoopSettings): Promise<boolean> {
  try {
    state.woken = false
    const startedAt = Date.now()
    const summary = await loop.work()
    if (!summary) return false
    loop.ctx.log?.({ event: 'batch', ...summary })
    const full = summary.claimed >= loop.batchSize
    if (!full && !state.woken) return false
    // Events arrived while this batch ran: a stream. Let more gather before the next claim.
    // A lone event after a quiet spell still goes through at once.
    const rest = loop.minBatchIntervalMs - (Date.now() - startedAt)
    if (state.woken && !full && rest > 0 && !state.stopping) await pause(state, rest, false)
    return true
  } catch (error) {
    // The database is down or the like: say so, wait, try again.
    loop.ctx.log?.({ event: 'worker_error', error: describeCause(error) })
    return false
  }
}
