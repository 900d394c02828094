// Run the simulated store as its own process, so a benchmark's client and the store do not share
// one CPU core, or to point a local `bc-mirror` at it for a demo:
//   tsx src/sim/serve.ts '{"quota":150,"windowMs":3000,"latencyMs":100,"data":{"counts":{"products":50000}}}'
// Prints one JSON line `{url, storeHash, accessToken}` when listening; stats at GET /__sim/stats;
// more stores with POST /__sim/stores, app installs with POST /__sim/stores/{hash}/install.
import { startSimStore, type SimServerOptions, type SimStoreOptions } from './server.ts'

const options = JSON.parse(process.argv[2] ?? '{}') as SimStoreOptions & SimServerOptions
const sim = await startSimStore(options)
console.log(
  JSON.stringify({ url: sim.url, storeHash: sim.storeHash, accessToken: sim.accessToken }),
)

const stop = () => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
