// A background thread that starts, logs one line, then dies of an uncaught error: what
// startBackgroundThread must report through `crashed` (test/node/background-thread.test.ts).
import { parentPort } from 'node:worker_threads'

parentPort.postMessage({ type: 'ready' })
parentPort.postMessage({ type: 'log', level: 'info', msg: 'about to fail' })
setTimeout(() => {
  throw new Error('the thread failed on purpose')
}, 50)
