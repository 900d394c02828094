// `bc-mirror changes --follow`: what it prints for each committed change (a readable line with
// store data made printable, or one JSON object per line), run in-process on both databases; and,
// as a process, its refusals (no --follow; an embedded database without serve) and a clean exit
// on Ctrl-C.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { followChanges } from '../cli/changes.ts'
import { upsertRows } from '../src/db/write.ts'
import type { ResourceRow } from '../src/resources/types.ts'
import { BIN, NODE_FLAGS, cliEnv, runCli } from './support/cli.ts'
import {
  createFreshDatabase,
  databaseKinds,
  describeEachDatabase,
  type FreshDatabase,
} from './support/databases.ts'

const product = (id: number): ResourceRow => ({
  id,
  date_modified: new Date('2024-06-01T10:00:00Z'),
  data: { id, date_modified: '2024-06-01T10:00:00Z' },
})

/** Collects what is written, and resolves a waiter once `count` lines have come. */
function lines() {
  const got: string[] = []
  let waiter: { count: number; resolve: () => void } | undefined
  return {
    got,
    write(text: string) {
      got.push(...text.split('\n').filter(Boolean))
      if (waiter && got.length >= waiter.count) waiter.resolve()
    },
    until: (count: number) =>
      got.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => (waiter = { count, resolve })),
  }
}

describeEachDatabase('changes --follow in-process', (ctx) => {
  it('prints one readable line per change, store data made printable', async () => {
    const out = lines()
    let stop = () => {}
    const following = followChanges(ctx.db, {
      json: false,
      write: out.write,
      stopped: new Promise((resolve) => (stop = resolve)),
      onListening: () =>
        void upsertRows(ctx.db, 'products', 'evil\u001b[2Jstore', [product(2), product(1)]),
    })
    await out.until(1)
    stop()
    await following
    expect(out.got).toHaveLength(1)
    expect(out.got[0]).toMatch(/^\S+Z {2}evil\[2Jstore {2}products {2}upsert {2}2 rows: 1, 2$/)
    expect(out.got[0]).not.toContain('\u001b')
  })

  it('--json prints one JSON object per line with every id', async () => {
    const out = lines()
    let stop = () => {}
    const ids = Array.from({ length: 30 }, (_, i) => 100 + i)
    const following = followChanges(ctx.db, {
      json: true,
      write: out.write,
      stopped: new Promise((resolve) => (stop = resolve)),
      onListening: () => void upsertRows(ctx.db, 'products', 'jsonstore', ids.map(product)),
    })
    await out.until(1)
    stop()
    await following
    expect(out.got.map((line) => JSON.parse(line))).toEqual([
      { store_hash: 'jsonstore', table: 'products', op: 'upsert', ids },
    ])
  })
})

describe('changes as a process', () => {
  let workDir = ''
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-changes-'))
  })
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true })
  })

  it('without --follow says what it does and exits 2', async () => {
    const result = await runCli(['changes'], {})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('bc-mirror changes --follow')
  })

  it('refuses an embedded database that no serve holds with PGLITE_PORT, exit 2', async () => {
    const result = await runCli(['changes', '--follow'], { DATA_DIR: join(workDir, 'data') })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('with PGLITE_PORT set')
  })
})

// On the embedded database it listens through serve (test/node/wire-listen.test.ts, in-process).
if (databaseKinds().includes('postgres')) {
  describe('changes --follow as a process [postgres]', () => {
    let fresh: FreshDatabase | undefined
    beforeAll(async () => {
      fresh = await createFreshDatabase('postgres')
    })
    afterAll(async () => {
      await fresh?.dispose()
    })

    it('prints a committed change and exits 0 on Ctrl-C', async () => {
      if (!fresh) throw new Error('no database')
      const child = spawn(process.execPath, [...NODE_FLAGS, BIN, 'changes', '--follow', '--json'], {
        env: cliEnv({ DATABASE_URL: fresh.url }),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      const listening = new Promise<void>((resolve) =>
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString()
          if (stderr.includes('Ctrl-C stops')) resolve()
        }),
      )
      const printed = new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString()
          if (stdout.includes('\n')) resolve()
        }),
      )
      await Promise.race([listening, exited])
      await upsertRows(fresh.db, 'customers', 'procstore', [product(7)])
      await Promise.race([printed, exited])
      child.kill('SIGINT')
      expect(await exited).toBe(0)
      expect(JSON.parse(stdout)).toEqual({
        store_hash: 'procstore',
        table: 'customers',
        op: 'upsert',
        ids: [7],
      })
      expect(stderr).toBe('bc-mirror: following bigcommerce_mirror; Ctrl-C stops\n')
    })
  })
}
