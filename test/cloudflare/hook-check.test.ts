// The Cloudflare Worker's hourly cron records its hook check for `status`, as `serve` does: the
// handler called directly on Node, against the simulated store over real HTTP and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import { createRatePacer } from '../../src/bigcommerce/pacer.ts'
import {
  handleScheduled,
  HOURLY_CRON,
  INCREMENTAL_CRON,
  type CloudflareEnv,
} from '../../src/cloudflare/handlers.ts'
import { ensureHooks } from '../../src/sync/hooks/mirror-hooks.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { createFreshDatabase, type FreshDatabase } from '../support/databases.ts'

const SECRET = 'worker-hook-check-secret-0123'

// The Worker runs on PostgreSQL only.
describe.runIf(process.env.TEST_DATABASE_URL)(
  'the Worker records the API state and its hook check [postgres]',
  () => {
    let sim: SimStore
    let fresh: FreshDatabase
    beforeAll(async () => {
      sim = await startSimStore({ quota: null, data: { counts: { orders: 3 } } })
      fresh = await createFreshDatabase('postgres')
    })
    afterAll(async () => {
      await sim?.close()
      await fresh?.dispose()
    })

    const env = (): CloudflareEnv => ({
      BIGCOMMERCE_STORE_HASH: sim.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: sim.accessToken,
      BIGCOMMERCE_API_URL: sim.url,
      WEBHOOK_SECRET: SECRET,
      DATABASE_URL: fresh.url,
    })
    const run = async (cron: string) => {
      const pending: Array<Promise<unknown>> = []
      try {
        await handleScheduled({ cron, scheduledTime: Date.now() }, env(), {
          waitUntil: (promise) => pending.push(promise),
        })
      } finally {
        await Promise.all(pending)
      }
    }
    const hourly = () => run(HOURLY_CRON)

    it('records a refused token as the API state for status, and the API back on the next run', async () => {
      sim.injectFaults({ status: 401, times: 'always' })
      // The run itself ends normally: its sweep's tables fail, and the next cron tries again.
      await run(INCREMENTAL_CRON).finally(() => sim.clearFaults())
      const refused = await readStatus(fresh.db, sim.storeHash)
      expect(refused.api).toMatchObject({ state: 'refused' })
      expect(refused.problems.map((p) => `${p.what} ${p.fix}`).join('\n')).toMatch(/token/i)

      await run(INCREMENTAL_CRON)
      expect((await readStatus(fresh.db, sim.storeHash)).api).toMatchObject({ state: 'ok' })
    })

    it('records missing hooks, then the hooks it found and repaired', async () => {
      await hourly()
      expect((await readStatus(fresh.db, sim.storeHash)).hooks).toMatchObject({
        status: 'missing',
        destination: null,
      })

      const destination = 'https://mirror.example.com/webhooks/bigcommerce'
      const client = createBigCommerceClient({
        apiUrl: sim.url,
        storeHash: sim.storeHash,
        accessToken: sim.accessToken,
        pacer: createRatePacer(),
      })
      await ensureHooks(client, { destination, secret: SECRET })
      const [first] = [...sim.webhooks.hooks.values()]
      if (first) first.is_active = false
      await hourly()
      expect((await readStatus(fresh.db, sim.storeHash)).hooks).toMatchObject({
        status: 'ok',
        destination,
        repaired: [`${first?.scope}: was deactivated`],
      })
    })
  },
)
