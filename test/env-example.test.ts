// .env.example and the README's settings table list exactly the settings src/config.ts reads, so
// that neither can drift from the code: a setting added to config without its line in
// .env.example (or its row in the README) fails here, and so does a line for a setting config
// no longer knows. The settings are learnt by watching which variables parseConfig reads.
import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseConfig, type Env } from '../src/config.ts'

const root = new URL('../', import.meta.url)
const read = (file: string) => readFileSync(new URL(file, root), 'utf8')

/** Every variable parseConfig reads, for a command that needs everything. */
function settingsReadByConfig(): string[] {
  const seen = new Set<string>()
  const note = (key: string | symbol) => {
    if (typeof key === 'string' && /^[A-Z][A-Z0-9_]*$/.test(key)) seen.add(key)
  }
  const env = new Proxy({} as Env, {
    get: (_target, key) => (note(key), undefined),
    has: (_target, key) => (note(key), false),
  })
  try {
    parseConfig(env, { store: true, webhookSecret: true })
  } catch {
    // Required settings are missing from an empty environment; only the names matter here.
  }
  return [...seen].sort()
}

/** Variables .env.example sets or shows commented out (`NAME=...` or `# NAME=...`). */
function settingsInEnvExample(): string[] {
  const names = read('.env.example')
    .split('\n')
    .map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
  return [...new Set(names)].sort()
}

/** Variables in the first column of the README's settings table (| `NAME` | ...). */
function settingsInReadmeTable(): string[] {
  const names = read('README.md')
    .split('\n')
    .map((line) => /^\| `([A-Z][A-Z0-9_]*)` \|/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
  return [...new Set(names)].sort()
}

describe('settings documentation', () => {
  const config = settingsReadByConfig()

  it('learns a plausible list of settings from config', () => {
    // Guards the watcher itself: if parseConfig stopped reading through the env object, every
    // comparison below would pass on an empty list.
    expect(config).toContain('BIGCOMMERCE_STORE_HASH')
    expect(config).toContain('HOOKS_CHECK_INTERVAL_MINUTES')
    expect(config.length).toBeGreaterThanOrEqual(16)
  })

  it('.env.example has a line for every setting config reads, and none it does not', () => {
    expect(settingsInEnvExample()).toEqual(config)
  })

  it("the README's settings table has a row for every setting, and none config does not read", () => {
    expect(settingsInReadmeTable()).toEqual(config)
  })

  it('.env.example, copied as it is, is a valid configuration and leaves secrets empty', () => {
    const values = parseEnv(read('.env.example'))
    expect(() => parseConfig(values, {})).not.toThrow()
    for (const secret of ['BIGCOMMERCE_ACCESS_TOKEN', 'WEBHOOK_SECRET']) {
      expect(values[secret]).toBe('')
    }
  })

  it('documents each setting with a comment right above it', () => {
    const lines = read('.env.example').split('\n')
    for (const name of config) {
      const at = lines.findIndex((line) => new RegExp(`^#?\\s*${name}=`).test(line))
      expect(at, `${name} in .env.example`).toBeGreaterThan(0)
      expect(lines[at - 1], `the line above ${name}`).toMatch(/^#/)
    }
  })
})
