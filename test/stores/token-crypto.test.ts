// Sealing stores' tokens: round trip, a fresh IV each time, the store hash bound in, the second
// key of TOKEN_ENCRYPTION_KEY reading tokens sealed with the previous one, and clear errors that
// never quote a key.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError, maskSecrets, parseConfig } from '../../src/config.ts'
import {
  decodeTokenKey,
  importTokenKeys,
  openToken,
  SealedTokenError,
  sealedWith,
  sealToken,
  TokenKeyError,
  tokenKeyProblem,
} from '../../src/stores/token-crypto.ts'

const hexKey = () => randomBytes(32).toString('hex')
const TOKEN = 'tok_abcdefghijklmnopqrstuvwxyz0123'

describe('token sealing', () => {
  it('opens what it sealed, and seals the same token differently each time', async () => {
    const keys = await importTokenKeys(hexKey())
    const one = await sealToken(keys, 'abc123', TOKEN)
    const two = await sealToken(keys, 'abc123', TOKEN)
    expect(one).not.toBe(two)
    expect(one).not.toContain(TOKEN)
    expect(sealedWith(one)).toBe(keys.sealing.fingerprint)
    expect(await openToken(keys, 'abc123', one)).toBe(TOKEN)
    expect(await openToken(keys, 'ABC123', two)).toBe(TOKEN)
  })

  it('takes keys as hex, base64 and URL-safe base64', async () => {
    const bytes = randomBytes(32)
    for (const text of [
      bytes.toString('hex'),
      bytes.toString('base64'),
      bytes.toString('base64url'),
    ]) {
      expect(Buffer.from(decodeTokenKey(text) ?? [])).toEqual(bytes)
    }
    const a = await importTokenKeys(bytes.toString('hex'))
    const b = await importTokenKeys(bytes.toString('base64'))
    expect(a.sealing.fingerprint).toBe(b.sealing.fingerprint)
  })

  it('refuses a token sealed with a key not given, naming the setting', async () => {
    const sealed = await sealToken(await importTokenKeys(hexKey()), 'abc123', TOKEN)
    const other = await importTokenKeys(hexKey())
    await expect(openToken(other, 'abc123', sealed)).rejects.toThrow(SealedTokenError)
    await expect(openToken(other, 'abc123', sealed)).rejects.toThrow(
      /sealed with a key not in TOKEN_ENCRYPTION_KEY/,
    )
  })

  it('opens tokens sealed with the previous key through the second key, and seals with the first', async () => {
    const [oldKey, newKey] = [hexKey(), hexKey()]
    const sealedOld = await sealToken(await importTokenKeys(oldKey), 'abc123', TOKEN)
    const both = await importTokenKeys(`${newKey},${oldKey}`)
    expect(await openToken(both, 'abc123', sealedOld)).toBe(TOKEN)
    const sealedNew = await sealToken(both, 'abc123', TOKEN)
    expect(sealedWith(sealedNew)).toBe((await importTokenKeys(newKey)).sealing.fingerprint)
    expect(await openToken(await importTokenKeys(newKey), 'abc123', sealedNew)).toBe(TOKEN)
  })

  it("does not open a sealed token copied onto another store's row, nor an altered one", async () => {
    const keys = await importTokenKeys(hexKey())
    const sealed = await sealToken(keys, 'abc123', TOKEN)
    await expect(openToken(keys, 'other1', sealed)).rejects.toThrow(/copied from another store/)
    const parts = sealed.split('.')
    const body = Buffer.from(parts[3] ?? '', 'base64url')
    body[0] = (body[0] ?? 0) ^ 1
    parts[3] = body.toString('base64url')
    await expect(openToken(keys, 'abc123', parts.join('.'))).rejects.toThrow(SealedTokenError)
    await expect(openToken(keys, 'abc123', 'not sealed')).rejects.toThrow(/not a sealed token/)
  })

  it('names a missing or malformed key and what is expected, never the value', async () => {
    await expect(importTokenKeys(undefined)).rejects.toThrow(TokenKeyError)
    await expect(importTokenKeys('')).rejects.toThrow(
      /TOKEN_ENCRYPTION_KEY is not set.*openssl rand -hex 32/,
    )
    const short = 'a'.repeat(62)
    expect(tokenKeyProblem(short)).toMatch(
      /TOKEN_ENCRYPTION_KEY: its key is not 32 bytes written as 64 hex characters or as base64/,
    )
    expect(tokenKeyProblem(`${hexKey()},nope-not-a-key`)).toMatch(/the second key is not 32 bytes/)
    expect(tokenKeyProblem(`${hexKey()},${hexKey()},${hexKey()}`)).toMatch(/holds 3 keys/)
    const secret = `${hexKey()},zzzz-secret-zzzz`
    await expect(importTokenKeys(secret)).rejects.toThrow(TokenKeyError)
    expect(tokenKeyProblem(secret)).not.toContain('zzzz-secret-zzzz')
    expect(tokenKeyProblem(hexKey())).toBeUndefined()
  })
})

describe('TOKEN_ENCRYPTION_KEY as a setting', () => {
  it('is checked with the other settings, named without its value, and masked key by key in output', () => {
    const [first, second] = [hexKey(), randomBytes(32).toString('base64')]
    expect(parseConfig({ TOKEN_ENCRYPTION_KEY: `${first},${second}` }).tokenEncryptionKey).toBe(
      `${first},${second}`,
    )
    const bad = `${first},not-a-key-but-secret`
    let error: unknown
    try {
      parseConfig({ TOKEN_ENCRYPTION_KEY: bad, PORT: 'x' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = String((error as Error).message)
    expect(message).toMatch(/TOKEN_ENCRYPTION_KEY: the second key is not 32 bytes/)
    expect(message).toMatch(/PORT must be/)
    expect(message).not.toContain('not-a-key-but-secret')
    expect(message).not.toContain(first)
    const masked = maskSecrets(`keys ${first} and ${second}`, {
      TOKEN_ENCRYPTION_KEY: `${first},${second}`,
    })
    expect(masked).toBe('keys *** and ***')
  })
})
