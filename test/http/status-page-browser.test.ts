// The status page as a person sees it: a real `bc-mirror serve` (embedded database, filled by a
// real `bc-mirror sync` from the simulated store, with a failed sweep, failed events and missing
// hooks planted), opened in Debian's Chromium through playwright-core at a phone's width. Checks
// what is on the screen, that nothing overflows sideways, and saves a screenshot that must be a
// real picture (its size and dimensions). SAVE_SCREENSHOT=docs/status-page.png keeps a copy.
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPglite } from '../../src/db/pglite.ts'
import { recordHookState } from '../../src/sync/hooks/mirror-hooks.ts'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { runCli } from '../support/cli.ts'
import { startServeChild, stopChild, waitForLog } from '../support/serve-process.ts'
import { freePort } from '../support/ports.ts'
import { serveEnvForSim } from '../support/serve-env.ts'
import { systemTool } from '../support/system-tools.ts'
import { storeRows } from '../sync/support.ts'

const CHROMIUM = '/usr/bin/chromium'
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const TOKEN = 'status-page-browser-token-0123'
const SECRET = 'status-page-webhook-secret-0123'
const PHONE = { width: 390, height: 844 }

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

const chromiumTool = systemTool('status page browser suite', CHROMIUM, 'chromium')

describe.skipIf(chromiumTool.skip)('the status page in Chromium', () => {
  let sim: SimStore
  let dir = ''
  let browser: Browser | undefined
  let stopServe: (() => Promise<void>) | undefined
  let url = ''

  beforeAll(async () => {
    if (chromiumTool.missing) throw new Error(chromiumTool.reason)
    sim = await startSimStore({
      quota: null,
      data: { seed: 31, counts: { coupons: 12, customers: 25, orders: 40, products: 30 } },
    })
    dir = await mkdtemp(join(tmpdir(), 'bc-mirror-page-'))
    const port = await freePort()
    const env = {
      ...serveEnvForSim(sim, SECRET, port),
      DATA_DIR: join(dir, 'data'),
      STATUS_TOKEN: TOKEN,
    }
    // A real backfill, in which the coupons sweep is refused once (its table shows failed).
    sim.injectFaults({ path: /^\/v2\/coupons/, status: 403 })
    const sync = await runCli(['sync'], env)
    expect(sync.code, sync.stderr).toBe(1)
    const db = await openPglite({ dataDir: env.DATA_DIR })
    await db.execute(sql`
      insert into bigcommerce.webhook_events (store_hash, hash, scope, resource, resource_id, payload, status, processed_at, last_error)
      values (${sim.storeHash}, 'f1', 'store/product/updated', 'products', 3, '{}'::jsonb, 'failed', now(), 'GET /v3/catalog/products answered 500'),
             (${sim.storeHash}, 'p1', 'store/order/updated', 'orders', 4, '{}'::jsonb, 'pending', null, null)`)
    await recordHookState(db, sim.storeHash, { status: 'missing', destination: null, repaired: [] })
    await db.close()

    const child = startServeChild(env)
    stopServe = async () => {
      await stopChild(child)
    }
    await waitForLog(child, 'listening')
    url = `http://127.0.0.1:${port}`
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await stopServe?.()
    await sim?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('shows rows, problems with their fixes, the inbox, hooks and recent runs, readable on a phone', async () => {
    if (!browser) throw new Error('no browser')
    const page = await browser.newPage({ viewport: PHONE, deviceScaleFactor: 2 })
    const response = await page.goto(`${url}/status?token=${TOKEN}`)
    expect(response?.status()).toBe(200)

    await expect.poll(() => page.title()).toBe(`(3) bc-mirror ${sim.storeHash}`)
    expect(await page.getByTestId('state').innerText()).toBe('3 problems need attention')
    const problems = await page.getByTestId('problems').innerText()
    expect(problems).toMatch(/the last sweep of coupons failed: .*403/)
    expect(problems).toMatch(
      /fix: use a token whose API account has store_v2_marketing_read_only .*, then bc-mirror sync --tables coupons/,
    )
    expect(problems).toContain(
      '1 webhook event for products failed: GET /v3/catalog/products answered 500',
    )
    expect(problems).toContain('fix: bc-mirror webhooks ensure --url')

    const rowOf = (table: string) => page.locator(`[data-table="${table}"]`).innerText()
    // The orders the store's list shows: the harsher store leaves Incomplete ones out.
    const orders = storeRows(sim, 'orders').size
    expect(await rowOf('orders')).toMatch(
      new RegExp(`^orders\\s+${orders}\\s+swept up to \\d+ s ago\\s+completed`),
    )
    expect(await rowOf('products')).toMatch(/^products\s+30\s/)
    expect(await rowOf('coupons')).toMatch(/^coupons\s+0\s+not swept yet\s+failed/)
    // serve's worker takes the pending event within seconds of its start (the fleet's poll finds
    // the store's due events); the failed one stays, with its reason.
    const inboxNow = async () => {
      await page.reload()
      return page.getByTestId('inbox').innerText()
    }
    await expect.poll(inboxNow, { timeout: 15_000, interval: 500 }).toContain('0 pending, 1 failed')
    const inbox = await page.getByTestId('inbox').innerText()
    expect(inbox).toContain('1 × products: GET /v3/catalog/products answered 500')
    expect(await page.getByTestId('hooks').innerText()).toContain('Hooks: missing')
    const runs = await page.getByTestId('runs').innerText()
    expect(runs).toMatch(/incremental\s+failed/)
    expect(runs).toMatch(/hooks\s+missing/)
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('30')
    // Nothing wider than the phone's screen except inside the scrolling table boxes.
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - window.innerWidth',
    )
    expect(overflow).toBeLessThanOrEqual(0)

    const shot = join(dir, 'status-page.png')
    await page.screenshot({ path: shot, fullPage: true })
    const png = await readFile(shot)
    const size = pngSize(png)
    expect(size.width).toBe(PHONE.width * 2)
    expect(size.height).toBeGreaterThanOrEqual(PHONE.height)
    // A blank page of this size compresses to a few kilobytes; text and tables do not.
    expect(png.length).toBeGreaterThan(40_000)
    if (process.env.SAVE_SCREENSHOT) await copyFile(shot, process.env.SAVE_SCREENSHOT)
    await page.close()
  })

  it('refuses the page without the token', async () => {
    const response = await fetch(`${url}/status`)
    expect(response.status).toBe(401)
  })
})
