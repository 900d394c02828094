// Store data never acts on the reader's terminal: an order total and a hook's URL holding escape
// sequences (clear the screen, retitle the window, ring the bell) go through the simulated store
// into the mirror, and no command's text output carries a control character.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { runCli } from '../support/cli.ts'
import { describeEachDatabase } from '../support/databases.ts'
import { seedDataDir } from '../support/serve-process.ts'

const POISON = '\u001b[2J\u001b]0;pwned\u0007\u009b31m\r\u202e'
// Any control character but the newline that ends a line.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

let workDir = ''
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-escape-'))
})
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true })
})

describeEachDatabase('text output with escape sequences in store data', (ctx) => {
  let sim: SimStore | undefined
  afterAll(async () => {
    await sim?.close()
  })

  it('sync, status, verify and webhooks list print none of them', async () => {
    const store = await startSimStore({
      quota: null,
      storeHash: `esc${ctx.kind}`,
      data: { seed: 3, counts: { orders: 6, customers: 3, products: 3, coupons: 2 } },
    })
    sim = store
    store.store.update('orders', 2, { total_inc_tax: `12.00${POISON}` })
    store.store.update('customers', 1, { first_name: POISON })
    const hook = await fetch(`${store.url}/stores/${store.storeHash}/v3/hooks`, {
      method: 'POST',
      headers: { 'X-Auth-Token': store.accessToken, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        scope: 'store/order/*',
        destination: `https://mirror.example/webhooks/bigcommerce?from=${POISON}`,
        is_active: true,
      }),
    })
    expect(hook.status).toBe(200)

    const dataDir = join(workDir, `data-${ctx.kind}`)
    if (!ctx.url) await seedDataDir(dataDir)
    const env = {
      BIGCOMMERCE_STORE_HASH: store.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: store.accessToken,
      BIGCOMMERCE_API_URL: store.url,
      ...(ctx.url ? { DATABASE_URL: ctx.url } : { DATA_DIR: dataDir }),
    }
    const outputs = {
      sync: await runCli(['sync'], env),
      status: await runCli(['status'], env),
      verify: await runCli(['verify', '--ids'], env),
      webhooks: await runCli(['webhooks', 'list'], env),
    }
    // The poisoned order was set aside with a reason that quotes its total: status shows it.
    expect(outputs.sync.stdout).toMatch(/orders: 1 row\(s\) rejected \(ids 2\)/)
    expect(outputs.status.stdout).toMatch(/1 orders row rejected \(e\.g\. .*12\.00\[2J\]0;pwned/)
    expect(outputs.webhooks.stdout).toContain(
      'https://mirror.example/webhooks/bigcommerce?from=[2J]0;pwned31m',
    )
    for (const [command, result] of Object.entries(outputs)) {
      expect({ command, stdout: CONTROL.exec(result.stdout)?.[0] }).toEqual({
        command,
        stdout: undefined,
      })
      expect({ command, stderr: CONTROL.exec(result.stderr)?.[0] }).toEqual({
        command,
        stderr: undefined,
      })
    }
  })
})
