// The Cloudflare Worker's queue jobs record the API state and the hook check for `status`, as
// `serve` does: the queue handler called directly on Node, against the simulated store over real
// HTTP and PostgreSQL. A job the API refuses is retried later (the queue's backoff), and once the
// queue gives up on it (the dead-letter queue), `status` names it with its fix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBigCommerceClient } from '../../src/bigcommerce/client.ts'
import { createRatePacer } from '../../src/bigcommerce/pacer.ts'
import type { CloudflareEnv, JobMessage } from '../../src/cloudflare/handlers.ts'
import { holdLease } from '../../src/db/lease.ts'
import { ensureHooks } from '../../src/sync/hooks/mirror-hooks.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { createFreshDatabase, type FreshDatabase } from '../support/databases.ts'
import { fakeQueue, runQueueJobs } from './fake-queue.ts'

const SECRET = 'worker-hook-check-secret-0123'

// The Worker runs on PostgreSQL only.
describe.runIf(process.env.TEST_DATABASE_URL)(
  'the Worker queue jobs: API state, dead letters, hook check, a busy store [postgres]',
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

    const queue = fakeQueue()
    const env = (): CloudflareEnv => ({
      BIGCOMMERCE_STORE_HASH: sim.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: sim.accessToken,
      BIGCOMMERCE_API_URL: sim.url,
      WEBHOOK_SECRET: SECRET,
      DATABASE_URL: fresh.url,
      JOBS: queue,
    })
    const job = (name: JobMessage['job']): JobMessage => ({ store: sim.storeHash, job: name })
    const hourly = () => runQueueJobs(env(), [job('hooks')])

    it('records a refused token for status and retries the job later; once dead-lettered, status names it with its fix', async () => {
      sim.injectFaults({ status: 401, times: 'always' })
      const settled = await runQueueJobs(env(), [job('incremental')]).finally(() =>
        sim.clearFaults(),
      )
      expect(settled).toEqual([{ retried: true, delaySeconds: 2 }])
      const refused = await readStatus(fresh.db, sim.storeHash)
      expect(refused.api).toMatchObject({ state: 'refused' })
      expect(refused.problems.map((p) => `${p.what} ${p.fix}`).join('\n')).toMatch(/token/i)

      // The queue gave up after its retries: the dead-letter queue's consumer records it.
      const dead = await runQueueJobs(env(), [job('incremental')], {
        queue: 'bigcommerce-mirror-jobs-dead',
      })
      expect(dead).toEqual([{ acked: true }])
      const set = await readStatus(fresh.db, sim.storeHash)
      expect(set.deadJobs).toEqual([{ job: 'incremental', error: expect.stringMatching(/token/) }])
      const named = set.problems.find((p) => p.what.includes('dead-letter'))
      expect(named?.what).toMatch(/incremental job failed every retry.*refuses the access token/)
      expect(named?.fix).toContain(`bc-mirror sync --store ${sim.storeHash}`)

      // The API answers again: the next run of the job completes and the problem is gone.
      expect(await runQueueJobs(env(), [job('incremental')])).toEqual([{ acked: true }])
      const back = await readStatus(fresh.db, sim.storeHash)
      expect(back.api).toMatchObject({ state: 'ok' })
      expect(back.deadJobs).toEqual([])
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

    it('a job whose store is busy with another job is sent again later, not run and not failed', async () => {
      const held = await holdLease(fresh.db, `store:${sim.storeHash}`, { ttlMs: 60_000 })
      queue.sent.length = 0
      try {
        expect(await runQueueJobs(env(), [job('incremental')])).toEqual([{ acked: true }])
      } finally {
        await held?.release()
      }
      expect(queue.sent).toEqual([
        { body: { ...job('incremental'), deferrals: 1 }, delaySeconds: 10 },
      ])
    })
  },
)
