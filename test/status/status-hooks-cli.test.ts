// `bc-mirror status` on what the last hook check found (docs/bigcommerce-api.md, "Webhooks: ..."):
// a destination BigCommerce blocks, hooks it switched off (for 90 idle days, switched back on; after
// 48 hours of failures, still off) and refused scopes, each with what to do.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Executor } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { recordHookState } from '../../src/sync/hooks/mirror-hooks.ts'
import { runCli } from '../support/cli.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { seedDataDir } from '../support/serve-process.ts'

const STORE = { BIGCOMMERCE_STORE_HASH: 'hooks1', BIGCOMMERCE_ACCESS_TOKEN: 'tok-secret-value' }
const URL = 'https://mirror.example.com/webhooks/bigcommerce'
let workDir = ''

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-status-hooks-'))
})
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true })
})

function plantHookState(db: Executor) {
  return recordHookState(db, 'hooks1', {
    status: 'partial',
    destination: URL,
    repaired: ['store/order/metafield/created: was deactivated'],
    refused: [{ scope: 'store/shipment/*', reason: 'BigCommerce POST /v3/hooks answered 422' }],
    deactivated: [
      { scope: 'store/order/metafield/created', cause: 'inactivity', reactivated: true },
      { scope: 'store/sku/*', cause: 'failures', reactivated: false },
    ],
    blocked: [
      {
        destination: 'https://mirror.example.com',
        until: new Date(Date.now() + 120_000).toISOString(),
        reasons: ['HTTP 503 (97)'],
      },
      // A block that has ended is no longer shown.
      { destination: 'https://old.example.com', until: '2020-01-01T00:00:00Z', reasons: [] },
    ],
  })
}

describeEachDatabase('status on the hooks', (ctx) => {
  it('shows a blocked destination, switched-off hooks and refused scopes, each with its fix', async () => {
    let env: Record<string, string>
    if (ctx.kind === 'postgres' && ctx.url) {
      env = { ...STORE, DATABASE_URL: ctx.url }
      await plantHookState(ctx.db)
    } else {
      // A migrated copy of the suite's image, not initdb here (~4 s of CPU and ~780 MB).
      const dataDir = await seedDataDir(join(workDir, 'embedded'))
      env = { ...STORE, DATA_DIR: dataDir }
      const db = await openPglite({ dataDir })
      await plantHookState(db)
      await db.close()
    }
    const { code, stdout, stderr } = await runCli(['status'], env)
    expect(code).toBe(1)
    expect(stderr).not.toMatch(/\n\s+at /)
    expect(stdout).toContain(
      'store/order/metafield/created: off after 90 days without events (BigCommerce); switched back on by the last check, nothing to do',
    )
    expect(stdout).toContain(
      `store/sku/*: off after 48 hours of failed deliveries (BigCommerce); still off: run bc-mirror webhooks ensure --url ${URL}`,
    )
    expect(stdout).toMatch(
      /BigCommerce blocks webhook deliveries to https:\/\/mirror\.example\.com until .*HTTP 503 \(97\)/,
    )
    expect(stdout).toMatch(/fix: make the receiver answer 2xx/)
    expect(stdout).not.toContain('old.example.com')
    expect(stdout).toMatch(/the store refused 1 hook.*store\/shipment\/\*/)
    expect(stdout).toContain(`fix: bc-mirror webhooks ensure --url ${URL}, then bc-mirror sync`)
  })
})
