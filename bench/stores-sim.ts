// The simulated stores of bench/stores.ts in a process of their own (one server, many stores), so
// that rendering their pages and posting their deliveries does not compete with the benchmark's
// measuring. Options arrive as JSON in argv; each IPC message carries an id its answer repeats:
// `add` (a store), `install` (a merchant installs the app: the auth callback's query), `update` (a
// merchant changes a row: the store delivers its webhook to its hooks), `stats` and `requests` (the
// requests that reached these stores in all, and how many of the stores were asked anything).
import { startSimStore, type SimServerOptions, type SimStoreOptions } from '../src/sim/index.ts'

type Request =
  | { id: number; type: 'add'; options: SimStoreOptions & { storeHash: string } }
  | { id: number; type: 'install'; storeHash: string }
  | { id: number; type: 'update'; storeHash: string; productId: number; price: number }
  | { id: number; type: 'stats'; storeHash: string }
  | { id: number; type: 'requests'; storeHashes: string[] }

const options = JSON.parse(process.argv[2] ?? '{}') as SimStoreOptions & SimServerOptions
const sim = await startSimStore(options)

function answer(request: Request): unknown {
  if (request.type === 'add') return { storeHash: sim.addStore(request.options).storeHash }
  if (request.type === 'install') return sim.installApp(request.storeHash)
  if (request.type === 'requests') return requestsTo(request.storeHashes)
  const store = sim.storeOf(request.storeHash)
  if (!store) throw new Error(`no store ${request.storeHash}`)
  if (request.type === 'stats') return store.stats
  store.store.update('products', request.productId, { price: request.price })
  return {}
}

function requestsTo(storeHashes: string[]): { requests: number; stores: number } {
  let requests = 0
  let stores = 0
  for (const storeHash of storeHashes) {
    const asked = sim.storeOf(storeHash)?.stats.requests ?? 0
    requests += asked
    if (asked > 0) stores += 1
  }
  return { requests, stores }
}

process.on('message', (request: Request) => {
  try {
    process.send?.({ id: request.id, ok: true, value: answer(request) })
  } catch (error) {
    process.send?.({ id: request.id, ok: false, error: String(error) })
  }
})
process.on('disconnect', () => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
})
process.send?.({ id: 0, ok: true, value: { url: sim.url, storeHash: sim.storeHash } })
