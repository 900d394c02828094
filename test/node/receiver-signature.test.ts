// serve's receiver checks an app's signatures with Node's own HMAC, not WebCrypto's asynchronous
// verify: every delivery of every store in app mode is signed, and the check was a noticeable
// share of the receiver's CPU per delivery (docs/benchmarks.md, issue 20).
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { WEBHOOK_PATH } from '../../src/http/app.ts'
import { createReceiver, type Receiver } from '../../src/node/serve.ts'
import { createFreshDatabase, type FreshDatabase } from '../support/databases.ts'

const SECRET = 'receiver-signature-webhook-secret'
const CLIENT_SECRET = 'receiver-signature-client-secret'
const STORE = 'sigstore'

let fresh: FreshDatabase
let receiver: Receiver
beforeAll(async () => {
  fresh = await createFreshDatabase('pglite')
  receiver = createReceiver({
    config: { storeHash: STORE, webhookSecret: SECRET, clientSecret: CLIENT_SECRET },
    db: fresh.db,
    log: () => {},
    wake: () => {},
  })
  await receiver.ready
})
afterAll(async () => {
  receiver?.stop()
  await fresh?.dispose()
})

function delivery(signingSecret: string) {
  const body = JSON.stringify({
    scope: 'store/product/updated',
    data: { type: 'product', id: 7 },
    hash: `h-${signingSecret}`,
    producer: `stores/${STORE}`,
  })
  const timestamp = String(Math.floor(Date.now() / 1000))
  const mac = createHmac('sha256', signingSecret).update(`msg_1.${timestamp}.${body}`)
  return receiver.app.request(WEBHOOK_PATH, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-webhook-secret': SECRET,
      'webhook-id': 'msg_1',
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${mac.digest('base64')}`,
    },
  })
}

it("a signed delivery is checked with Node's HMAC: stored when it holds, 401 when not, no WebCrypto verify", async () => {
  const verify = vi.spyOn(crypto.subtle, 'verify')
  try {
    expect((await delivery(CLIENT_SECRET)).status).toBe(200)
    expect((await delivery('another-secret')).status).toBe(401)
    expect(verify).not.toHaveBeenCalled()
  } finally {
    verify.mockRestore()
  }
})
