// `bc-mirror serve`: the webhook receiver, the event worker and the sweep schedule in one process
// (src/node/serve-command.ts). `--demo` runs it against a simulated store instead; `npm start` passes
// `--demo-unless-configured`, so a fresh checkout with no settings shows the demo.
import { defineCommand } from 'citty'
import { z } from 'zod'
import { readNodeEnv } from '../src/node/env.ts'
import { isStoreConfigured, runDemo } from '../src/node/demo.ts'
import { runServe } from '../src/node/serve-command.ts'
import { loadConfig, UsageError } from './_shared.ts'

const leaseSchema = z.coerce.number().int().min(1).max(86_400)

export default defineCommand({
  meta: {
    name: 'serve',
    description: 'Webhook receiver, event worker and sweep schedule in one process',
  },
  args: {
    demo: {
      type: 'boolean',
      description: 'Run against a simulated store in this process (no settings needed)',
    },
    'demo-unless-configured': {
      type: 'boolean',
      description:
        'Run the demo when none of BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN, WEBHOOK_SECRET is set',
    },
    'worker-lease': {
      type: 'string',
      description:
        'Seconds a claim on a batch of events lasts unless renewed (it is renewed while the batch works), so a dead process holds its events this long at most (default 20)',
    },
    'api-retry-max': {
      type: 'string',
      description:
        'Longest wait, in seconds, between tries while the store API refuses the token or is out (default 300)',
    },
  },
  async run({ args }) {
    let leaseMs: number | undefined
    if (args['worker-lease'] !== undefined) {
      const lease = leaseSchema.safeParse(args['worker-lease'])
      if (!lease.success)
        throw new UsageError(
          '--worker-lease must be whole seconds from 1 to 86400, e.g. --worker-lease 300',
        )
      leaseMs = lease.data * 1000
    }
    let apiRetryMaxMs: number | undefined
    if (args['api-retry-max'] !== undefined) {
      const wait = leaseSchema.safeParse(args['api-retry-max'])
      if (!wait.success)
        throw new UsageError(
          '--api-retry-max must be whole seconds from 1 to 86400, e.g. --api-retry-max 300',
        )
      apiRetryMaxMs = wait.data * 1000
    }
    const env = readNodeEnv()
    if (args.demo || (args['demo-unless-configured'] && !isStoreConfigured(env)))
      return runDemo(env)
    const config = loadConfig({ store: true, webhookSecret: true })
    await runServe(config, {
      worker: leaseMs === undefined ? undefined : { leaseMs },
      apiRetryMaxMs,
    })
  },
})
