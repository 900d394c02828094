// Node's HMAC-SHA256 for the receiver's signature checks (http/verify.ts): synchronous, a few
// microseconds a delivery, where WebCrypto's verify is asynchronous and costs several times more.
import { createHmac, createSecretKey } from 'node:crypto'
import type { HmacSha256 } from '../http/verify.ts'

export const nodeHmacSha256: HmacSha256 = (secret) => {
  const key = createSecretKey(Buffer.from(secret, 'utf8'))
  return (parts) => {
    const mac = createHmac('sha256', key)
    for (const part of parts) mac.update(part)
    return mac.digest()
  }
}
