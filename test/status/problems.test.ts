// One cause is one problem with one fix: sweeps and hook checks that failed because the store API
// refused the token (or was out) are named in that problem, not listed with fixes that would fail
// the same way; a failure from before the API went down stays a problem of its own.
import { sql } from 'drizzle-orm'
import { expect, it } from 'vitest'
import type { Executor } from '../../src/db/database.ts'
import { readStatus } from '../../src/sync/status/status.ts'
import { describeEachDatabase } from '../support/databases.ts'

async function plant(db: Executor, store: string, api: 'refused' | 'outage') {
  await db.execute(sql`
    insert into bigcommerce.sync_state (store_hash, table_name, last_status, last_error, last_started_at, last_finished_at, last_success_at)
    values (${store}, 'api', ${api}, 'GET /v2/orders answered 401', now() - interval '10 minutes', now(), null),
           (${store}, 'webhooks', 'failed', 'GET /v3/hooks answered 401', now(), now(), null),
           (${store}, 'orders', 'failed', 'GET /v2/orders answered 401', now(), now(), now() - interval '1 day'),
           (${store}, 'products', 'failed', 'GET /v3/catalog/products answered 401', now(), now(), now() - interval '1 day'),
           (${store}, 'customers', 'failed', 'GET /v3/customers answered 500', now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 day'),
           (${store}, 'coupons', 'completed', null, now(), now(), now()),
           (${store}, 'categories', 'completed', null, now(), now(), now()),
           (${store}, 'brands', 'completed', null, now(), now(), now())`)
}

describeEachDatabase('status problems with the store API down', (ctx) => {
  it('a refused token is one problem naming the sweeps and the hook check that failed with it', async () => {
    await plant(ctx.db, 'refused1', 'refused')
    const { problems } = await readStatus(ctx.db, 'refused1')
    expect(problems).toEqual([
      {
        what: expect.stringMatching(
          /^the store API refuses the access token \(since .*\): GET \/v2\/orders answered 401; the sweep of orders, the sweep of products and the hook check failed because of it$/,
        ),
        fix: expect.stringMatching(/^set BIGCOMMERCE_ACCESS_TOKEN .*sweeps resume by themselves/),
      },
      // Failed an hour before the refusal began: another cause, its own fix.
      {
        what: 'the last sweep of customers failed: GET /v3/customers answered 500',
        fix: 'bc-mirror sync --tables customers',
      },
    ])
  })

  it('an outage with sweeps that failed in it is one problem that needs no command', async () => {
    await plant(ctx.db, 'outage1', 'outage')
    const { problems } = await readStatus(ctx.db, 'outage1')
    expect(problems.map((p) => p.what)).toEqual([
      expect.stringMatching(
        /^the store API has been unavailable since .* \(GET \/v2\/orders answered 401\); the sweep of orders, the sweep of products and the hook check failed because of it$/,
      ),
      'the last sweep of customers failed: GET /v3/customers answered 500',
    ])
    expect(problems[0]?.fix).toMatch(/^nothing while serve runs/)
  })
})
