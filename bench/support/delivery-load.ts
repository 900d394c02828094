// A webhook load generator in a process of its own, so that measuring does not share an event
// loop with anything else: it sends `store/product/updated` deliveries to a server at a constant
// rate (open loop) or with a fixed number in flight (closed loop), and prints one JSON line with
// every acknowledgement's latency.
//
//   tsx bench/support/delivery-load.ts '{"url":…,"secret":…,"rate":2000,"seconds":10,"hot":200}'
//
// On a 2-core machine the generator competes for CPU with the server it measures, so it is kept
// lean, in the spirit of wrk: HTTP/1.1 written by hand on keep-alive sockets (one request in
// flight per socket, no pipelining) and answers read just far enough to find their status and end.
// node:http's client costs several times more CPU per request, and that CPU came out of the
// server's share. Sends are spread evenly over 1 ms ticks, not fired in bursts. Latency runs from
// the moment a request is written to the socket until its whole answer has arrived. How late the
// sends ran against the schedule is reported too: if the generator falls behind, its figures say
// so instead of hiding the delay.
import { createHmac } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { answerEnd } from '../../test/support/http-answer.ts'
import { webhookBody } from './envelope.ts'

export interface LoadOptions {
  url: string
  secret: string
  /** Deliveries a second, sent on schedule (open loop). */
  rate: number
  /** Instead of a rate: this many deliveries always in flight (closed loop, for saturation). */
  concurrency?: number
  seconds: number
  /** Product ids cycle through 1..hot. */
  hot: number
  /** Deliveries cycle through these stores' hashes as their producer; default the sim's one. */
  stores?: string[]
  /** Sign each delivery as an app's are (Standard Webhooks, HMAC-SHA256 with this secret). */
  signingSecret?: string
  /** Prefix of each delivery's hash, so that runs never collide. */
  tag: string
  /**
   * Seconds sent at the same rate before measuring starts, not counted: both sides' JIT, the
   * sockets and the server's database pool reach their steady state first. Default 0.
   */
  warmupSeconds?: number
}

export interface LoadResult {
  /** Acknowledgement latencies of the 200s, in ms, sorted. */
  latencies: number[]
  failed: number
  /** The failures by answer status, or `closed` for a socket closed under a request. */
  failures: Record<string, number>
  elapsedSeconds: number
  /** How far behind schedule sends went, in ms, sorted. */
  lateness: number[]
  /** Sockets used: more than were opened up front means answers lagged behind sends. */
  sockets: number
  /** Deliveries sent, the warm-up included. */
  sent: number
  /** CPU seconds (user and system) this process used, the warm-up included. */
  cpuSeconds: number
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions
const target = new URL('/webhooks/bigcommerce', options.url)
const INITIAL_SOCKETS = 32
/**
 * A socket silent this long fails its delivery ('timeout') and is closed. On an overloaded machine
 * the server's accept queue overflows, and a socket the kernel accepted for it then stays half open
 * for many minutes (its request retransmitted, never read): without this the run never ended.
 */
const SILENCE_MS = 60_000

function requestText(sequence: number): string {
  const stores = options.stores
  const store = stores?.[sequence % stores.length]
  // Across stores, each store's deliveries still cycle through products 1..hot.
  const product = {
    type: 'product',
    id: 1 + (Math.floor(sequence / (stores?.length ?? 1)) % options.hot),
  }
  const hash = `${options.tag}-${sequence}`
  const body = webhookBody('store/product/updated', product, hash, store)
  return (
    `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `x-webhook-secret: ${options.secret}\r\n${signatureHeaders(hash, body)}\r\n${body}`
  )
}

/** Standard Webhooks headers when the load signs as an app's store does; else none. */
function signatureHeaders(id: string, body: string): string {
  if (!options.signingSecret) return ''
  const timestamp = String(Math.floor(Date.now() / 1000))
  const signature = createHmac('sha256', options.signingSecret)
    .update(`${id}.${timestamp}.${body}`)
    .digest('base64')
  return `webhook-id: ${id}\r\nwebhook-timestamp: ${timestamp}\r\nwebhook-signature: v1,${signature}\r\n`
}

interface Connection {
  socket: Socket
  sentAt: number
  /** Whether the request in flight counts (false during the warm-up). */
  counted: boolean
  buffer: string
  /** A request was written and its answer has not arrived. */
  awaiting: boolean
}

function createLoad() {
  const latencies: number[] = []
  let failed = 0
  const failures: Record<string, number> = {}
  const fail = (why: string) => {
    failed += 1
    failures[why] = (failures[why] ?? 0) + 1
  }
  let outstanding = 0
  let sockets = 0
  let sent = 0
  const idle: Connection[] = []
  let allAnswered: (() => void) | null = null
  /** Called with a connection whose answer just arrived; by default it waits in `idle`. */
  let onFree: (connection: Connection) => void = (connection) => void idle.push(connection)

  function open(): Promise<Connection> {
    sockets += 1
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true })
      const connection: Connection = {
        socket,
        sentAt: 0,
        counted: false,
        buffer: '',
        awaiting: false,
      }
      socket.setEncoding('latin1')
      socket.setTimeout(SILENCE_MS)
      socket.once('timeout', () => {
        if (connection.awaiting) {
          connection.awaiting = false
          if (connection.counted) fail('timeout')
          answered()
        }
        // With an error, so that a connect still under way rejects (its send is then dropped).
        socket.destroy(new Error('silent socket'))
      })
      socket.once('connect', () => resolve(connection))
      socket.once('error', reject)
      socket.on('error', () => {}) // answered by 'close'
      socket.once('close', () => {
        // The server closes sockets idle past its keep-alive timeout: never send on those again.
        const at = idle.indexOf(connection)
        if (at >= 0) idle.splice(at, 1)
        // A socket closed under a request: that delivery failed.
        if (!connection.awaiting) return
        connection.awaiting = false
        if (connection.counted) fail('closed')
        answered()
      })
      socket.on('data', (chunk: string) => {
        connection.buffer += chunk
        const end = answerEnd(connection.buffer)
        if (end < 0) return
        const status = connection.buffer.slice(9, 12)
        connection.buffer = connection.buffer.slice(end)
        connection.awaiting = false
        if (connection.counted && status === '200') {
          latencies.push(performance.now() - connection.sentAt)
        } else if (connection.counted) fail(status)
        answered()
        onFree(connection)
      })
    })
  }

  function answered() {
    outstanding -= 1
    if (outstanding === 0) allAnswered?.()
  }

  return {
    latencies,
    open,
    idle,
    failed: () => failed,
    failures,
    sockets: () => sockets,
    sent: () => sent,
    setOnFree(fn: (connection: Connection) => void) {
      onFree = fn
    },
    send(connection: Connection, sequence: number, counted: boolean) {
      outstanding += 1
      sent += 1
      connection.awaiting = true
      connection.counted = counted
      connection.sentAt = performance.now()
      connection.socket.write(requestText(sequence), 'latin1')
    },
    /** Marks a send that waits for a socket being opened, so that `drain` waits for it too. */
    hold: () => void (outstanding += 1),
    release: () => void (outstanding -= 1),
    /** A held send whose socket could not be opened: a failed delivery, no longer waited for. */
    dropHeld(counted: boolean) {
      if (counted) fail('connect')
      answered()
    },
    async drain() {
      if (outstanding > 0) await new Promise<void>((resolve) => (allAnswered = resolve))
      for (const connection of idle) connection.socket.destroy()
    },
  }
}

/** Open loop: `rate` sends a second on schedule, a new socket whenever none is free. */
async function atRate(rate: number): Promise<LoadResult> {
  const load = createLoad()
  const lateness: number[] = []
  load.idle.push(...(await Promise.all(Array.from({ length: INITIAL_SOCKETS }, load.open))))
  const warmup = Math.round(rate * (options.warmupSeconds ?? 0))
  const total = warmup + Math.round(rate * options.seconds)
  const intervalMs = 1000 / rate
  const started = performance.now()
  let sent = 0
  while (sent < total) {
    const now = performance.now()
    for (; sent < total && started + sent * intervalMs <= now; sent++) {
      const counted = sent >= warmup
      if (counted) lateness.push(now - (started + sent * intervalMs))
      const connection = load.idle.pop()
      if (connection) load.send(connection, sent, counted)
      else {
        const sequence = sent
        load.hold()
        load.open().then(
          (opened) => {
            load.release()
            load.send(opened, sequence, counted)
          },
          () => load.dropHeld(counted),
        )
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  await load.drain()
  const elapsedSeconds = (performance.now() - started) / 1000 - warmup / rate
  return finish(load, elapsedSeconds, lateness)
}

/** Closed loop: `concurrency` sockets, each sending its next delivery as soon as one is answered. */
async function atConcurrency(concurrency: number): Promise<LoadResult> {
  const load = createLoad()
  const sockets = await Promise.all(Array.from({ length: concurrency }, load.open))
  const measureFrom = performance.now() + (options.warmupSeconds ?? 0) * 1000
  const until = measureFrom + options.seconds * 1000
  let sequence = 0
  const next = (connection: Connection) => {
    const now = performance.now()
    if (now < until) load.send(connection, sequence++, now >= measureFrom)
    else load.idle.push(connection)
  }
  load.setOnFree(next)
  sockets.forEach(next)
  await load.drain()
  return finish(load, options.seconds, [])
}

function finish(
  load: ReturnType<typeof createLoad>,
  elapsedSeconds: number,
  lateness: number[],
): LoadResult {
  const byValue = (a: number, b: number) => a - b
  return {
    latencies: load.latencies.sort(byValue),
    failed: load.failed(),
    failures: load.failures,
    elapsedSeconds,
    lateness: lateness.sort(byValue),
    sockets: load.sockets(),
    sent: load.sent(),
    cpuSeconds: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage()),
  }
}

const result = options.concurrency
  ? await atConcurrency(options.concurrency)
  : await atRate(options.rate)
process.stdout.write(`${JSON.stringify(result)}\n`)
