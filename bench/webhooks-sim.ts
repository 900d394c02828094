// The simulated store in its own process for bench/webhooks.ts, so that its CPU work does not
// compete with the server being measured. Options arrive as JSON in argv; over IPC it answers
// `stats`, `reset` (zero the counters) and `update` (change a product, as a merchant would).
import { startSimStore, type SimStoreOptions } from '../src/sim/index.ts'

type Message =
  | { type: 'stats' }
  | { type: 'reset' }
  | { type: 'update'; id: number; fields: Record<string, unknown> }

const options = JSON.parse(process.argv[2] ?? '{}') as SimStoreOptions
const sim = await startSimStore(options)
process.send?.({
  type: 'ready',
  url: sim.url,
  storeHash: sim.storeHash,
  accessToken: sim.accessToken,
})
process.on('message', (message: Message) => {
  if (message.type === 'stats') process.send?.({ type: 'stats', stats: sim.stats })
  if (message.type === 'reset') {
    sim.resetStats()
    process.send?.({ type: 'reset' })
  }
  if (message.type === 'update') {
    sim.store.update('products', message.id, message.fields)
    process.send?.({ type: 'updated' })
  }
})
process.on('disconnect', () => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
})
