// The suite's own clean-up on the test server: it drops only scratch databases that carry its
// marker and whose owning run is gone; a database merely named like its own (`bcm_x`, or a
// `bcm_test_<dead pid>_...` without the marker) survives.
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createScratchDatabase, dropLeftovers } from '../support/scratch-databases.ts'

describe.runIf(process.env.TEST_DATABASE_URL)(
  'dropLeftovers (run by the global setup) [postgres]',
  () => {
    const admin = postgres(process.env.TEST_DATABASE_URL ?? '', { max: 1, onnotice: () => {} })
    const suffix = randomBytes(4).toString('hex')
    /** A pid no live process has (above the kernel's pid_max). */
    const DEAD_PID = 4_999_999
    const names = {
      developers: 'bcm_x',
      lookalike: `bcm_test_${DEAD_PID}_${suffix}`,
      deadRuns: `bcm_dead_${suffix}`,
      liveRuns: `bcm_live_${suffix}`,
    }
    let createdBcmX = false

    const exists = async (name: string) =>
      (await admin`select 1 from pg_database where datname = ${name}`).length === 1

    beforeAll(async () => {
      if (!(await exists(names.developers))) {
        await admin.unsafe(`create database "${names.developers}"`)
        createdBcmX = true
      }
      await admin.unsafe(`create database "${names.lookalike}"`)
      await createScratchDatabase(admin, names.deadRuns, DEAD_PID)
      await createScratchDatabase(admin, names.liveRuns, process.pid)
    })
    afterAll(async () => {
      const ours = [
        names.lookalike,
        names.deadRuns,
        names.liveRuns,
        ...(createdBcmX ? [names.developers] : []),
      ]
      for (const name of ours) await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end()
    })

    it('drops the marked database of a dead run, and nothing else', async () => {
      const dropped = await dropLeftovers(admin, (pid) => pid !== DEAD_PID)
      expect(dropped).toContain(names.deadRuns)
      expect(dropped).not.toContain(names.developers)
      expect(dropped).not.toContain(names.lookalike)
      expect(dropped).not.toContain(names.liveRuns)
      expect(await exists(names.developers)).toBe(true)
      expect(await exists(names.lookalike)).toBe(true)
      expect(await exists(names.liveRuns)).toBe(true)
      expect(await exists(names.deadRuns)).toBe(false)
    })
  },
)
