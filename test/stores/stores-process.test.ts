// `bc-mirror stores` as a process: the token piped on stdin (what the process reads is the point),
// list --json on stdout, exit code 2 for an unknown hash, and a token refused as an argument.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimStore, type SimStore } from '../../src/sim/index.ts'
import { BIN, NODE_FLAGS, cliEnv, runCli, type CliResult } from '../support/cli.ts'
import { seedDataDir } from '../support/serve-process.ts'

let sim: SimStore
let workDir = ''
let env: Record<string, string> = {}
beforeAll(async () => {
  sim = await startSimStore({
    quota: null,
    storeHash: 'procstore1',
    accessToken: 'proc-token-abcdefghij0123',
    data: { seed: 4, counts: { orders: 2 } },
  })
  workDir = await mkdtemp(join(tmpdir(), 'bc-mirror-stores-'))
  env = {
    BIGCOMMERCE_API_URL: sim.url,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    // The embedded database: one process at a time, as a user runs these commands one by one.
    // Already made (what a first command makes from the image): the stores commands are the subject.
    DATA_DIR: await seedDataDir(join(workDir, 'data')),
  }
})
afterAll(async () => {
  await sim?.close()
  await rm(workDir, { recursive: true, force: true })
})

function runWithStdin(args: string[], stdin: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, BIN, ...args], {
      env: cliEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let [stdout, stderr] = ['', '']
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })
}

describe('bc-mirror stores (process)', () => {
  it('adds a store with the token piped on stdin, lists it as JSON, refuses an unknown hash with exit 2', async () => {
    const added = await runWithStdin(
      ['stores', 'add', '--store-hash', 'procstore1'],
      `${sim.accessToken}\n`,
    )
    expect(added.stderr).toBe('')
    expect(added.code).toBe(0)
    expect(added.stdout).toMatch(/Registered store procstore1 \(api_account, active\)/)

    const listed = await runCli(['stores', 'list', '--json'], env)
    expect(listed.code).toBe(0)
    const stores = JSON.parse(listed.stdout) as Array<{ store_hash: string; status: string }>
    expect(stores.map((s) => [s.store_hash, s.status])).toEqual([['procstore1', 'active']])
    expect(listed.stdout).not.toContain(sim.accessToken)

    const unknown = await runCli(['stores', 'pause', 'nosuch9'], env)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/store nosuch9 is not registered/)
  })

  it('never takes the token as an argument', async () => {
    const result = await runCli(
      ['stores', 'add', '--store-hash', 'procstore1', '--token', 'x'],
      env,
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/unknown option --token/)
  })
})
