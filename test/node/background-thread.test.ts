// The background thread's start: a thread that cannot start makes `serve` fail at once with the
// thread's own reason, rather than run a receiver whose events nobody would ever process. (Its
// normal life, on PostgreSQL, is covered end to end by the `serve` command's suite.)
import { describe, expect, it } from 'vitest'
import type { Config } from '../../src/config.ts'
import { startBackgroundThread } from '../../src/node/background-thread.ts'

describe('background thread', () => {
  it('rejects with the thread’s reason when it cannot start', async () => {
    const config: Config = {
      storeHash: 'abc123',
      accessToken: 'token-not-used',
      apiUrl: 'http://127.0.0.1:9',
      dataDir: '/nonexistent',
      port: 0,
      schedule: { incrementalMinutes: 0, couponsMinutes: 0, fullMinutes: 0, hooksMinutes: 0 },
    }
    const logged: string[] = []
    await expect(
      startBackgroundThread(config, { log: (_level, msg) => logged.push(msg) }),
    ).rejects.toThrow('the background thread needs DATABASE_URL')
    expect(logged).toEqual([])
  })
})
