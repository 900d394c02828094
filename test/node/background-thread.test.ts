// The background thread's failures: one that cannot start makes `serve` fail at once with the
// thread's own reason, and one that dies later is reported through `crashed` (serve then stops
// with exit code 1) rather than leaving a receiver whose events nobody would ever process. Its
// normal life, on PostgreSQL, is covered end to end by the `serve` command's suite.
import { describe, expect, it } from 'vitest'
import type { Config } from '../../src/config.ts'
import { startBackgroundThread } from '../../src/node/background-thread.ts'

type Start = typeof startBackgroundThread

const config: Config = {
  storeHash: 'abc123',
  accessToken: 'token-not-used',
  apiUrl: 'http://127.0.0.1:9',
  dataDir: '/nonexistent',
  port: 0,
  schedule: { incrementalMinutes: 0, couponsMinutes: 0, fullMinutes: 0, hooksMinutes: 0 },
}

describe('background thread', () => {
  it('rejects with the thread’s reason when it cannot start', async () => {
    const logged: string[] = []
    await expect(
      startBackgroundThread(config, { log: (_level, msg) => logged.push(msg) }),
    ).rejects.toThrow('the background thread needs DATABASE_URL')
    expect(logged).toEqual([])
  })

  it('reports a thread that dies after starting through crashed; stop() still returns', async () => {
    const logged: string[] = []
    const background = await startBackgroundThread(config, {
      log: (_level, msg) => logged.push(msg),
      entry: new URL('../support/crashing-thread.js', import.meta.url),
    })
    const error = await background.crashed
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe('the thread failed on purpose')
    expect(logged).toEqual(['about to fail'])
    await background.stop()
  })

  it('runs the compiled body from dist/ (no tsx in the thread)', async () => {
    const compiled = new URL('../../dist/src/node/background-thread.js', import.meta.url)
    const { startBackgroundThread: startCompiled } = (await import(compiled.href)) as {
      startBackgroundThread: Start
    }
    await expect(startCompiled(config, { log: () => {} })).rejects.toThrow(
      'the background thread needs DATABASE_URL',
    )
  })
})
