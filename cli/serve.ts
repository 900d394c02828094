// `bc-mirror serve`: the webhook receiver, the event worker and the sweep schedule in one process
// (src/node/serve-command.ts). `--demo` runs it against a simulated store instead; `npm start` passes
// `--demo-unless-configured`, so a fresh checkout with no settings shows the demo.
import { defineCommand } from 'citty'
import { z } from 'zod'
import { readNodeEnv } from '../src/node/env.ts'
import { isStoreConfigured, runDemo } from '../src/node/demo.ts'
import { runServe } from '../src/node/serve-command.ts'
import { UsageError } from './_shared.ts'
import { loadStoresConfig } from './_stores.ts'
import { ConfigError, type Config, type Env } from '../src/config.ts'
import { appModeProblems } from '../src/node/app-mode.ts'

const secondsSchema = z.coerce.number().int().min(1).max(86_400)

/** A whole number of seconds given as --name, in milliseconds; undefined when not given. */
function secondsOption(value: unknown, name: string, example: number): number | undefined {
  if (value === undefined) return undefined
  const seconds = secondsSchema.safeParse(value)
  if (!seconds.success)
    throw new UsageError(
      `--${name} must be whole seconds from 1 to 86400, e.g. --${name} ${example}`,
    )
  return seconds.data * 1000
}

/**
 * serve's settings: the settings' store as before, or (app mode, or stores in the registry) none;
 * app mode's own problems are named with the others.
 */
function loadServeConfig(env: Env, allowInsecure: boolean): Config {
  const appMode = (env.PUBLIC_URL ?? '').trim() !== ''
  const config = loadStoresConfig({ webhookSecret: true }, { registry: appMode })
  const problems = appModeProblems(config, allowInsecure)
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

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
    'confirm-after': {
      type: 'string',
      description:
        'Seconds between a read that finds a row gone and the read that confirms it before the row is deleted (default 25)',
    },
    'api-retry-max': {
      type: 'string',
      description:
        'Longest wait, in seconds, between tries while the store API refuses the token or is out (default 300)',
    },
    'allow-insecure': {
      type: 'boolean',
      description:
        'Accept an http:// PUBLIC_URL or a port other than 443 (local testing only: BigCommerce delivers only to https on 443)',
    },
    'job-lease': {
      type: 'string',
      description:
        "Seconds a store's running job (a sweep, the hook check) holds its lease unless renewed; with several serve processes, a dead one's jobs are taken over after this at most (default 30)",
    },
  },
  async run({ args }) {
    const leaseMs = secondsOption(args['worker-lease'], 'worker-lease', 300)
    const confirmDelayMs = secondsOption(args['confirm-after'], 'confirm-after', 25)
    const apiRetryMaxMs = secondsOption(args['api-retry-max'], 'api-retry-max', 300)
    const jobLeaseMs = secondsOption(args['job-lease'], 'job-lease', 30)
    const env = readNodeEnv()
    if (args.demo || (args['demo-unless-configured'] && !isStoreConfigured(env)))
      return runDemo(env)
    const config = loadServeConfig(env, args['allow-insecure'] === true)
    await runServe(config, {
      worker: { leaseMs, confirmDelayMs },
      apiRetryMaxMs,
      jobLeaseMs,
    })
  },
})
