// The simulated stores of bench/stores.ts in a process of their own (one server, many stores), so
// that rendering their pages and posting their deliveries does not compete with the benchmark's
// measuring. Options arrive as JSON in argv; each IPC message carries an id its answer repeats:
// `add` (a store), `install` (a merchant installs the app: the auth callback's query), `update` (a
// merchant changes a row: the store delivers its webhook to its hooks) and `stats`.
import { startSimStore, type SimServerOptions, type SimStoreOptions } from '../src/sim/index.ts'

type Request =
  | { id: number; type: 'add'; options: SimStoreOptions & { storeHash: string } }
  | { id: number; type: 'install'; storeHash: string }
  | { id: number; type: 'update'; storeHash: string; productId: number; price: number }
  | { id: number; type: 'stats'; storeHash: string }

const options = JSON.parse(process.argv[2] ?? '{}') as SimStoreOptions & SimServerOptions
const sim = await startSimStore(options)

function answer(request: Request): unknown {
  if (request.type === 'add') return { storeHash: sim.addStore(request.options).storeHash }
  if (request.type === 'install') return sim.installApp(request.storeHash)
  const store = sim.storeOf(request.storeHash)
  if (!store) throw new Error(`no store ${request.storeHash}`)
  if (request.type === 'stats') return store.stats
  store.store.update('products', request.productId, { price: request.price })
  return {}
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
