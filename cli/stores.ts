// `bc-mirror stores add|list|pause|resume|remove|rekey`: the store registry (src/stores/registry.ts).
// A token comes from stdin or BIGCOMMERCE_ACCESS_TOKEN, never from an argument (arguments show in
// `ps` and shell history), and is checked against the store's API before it is registered.
import { defineCommand } from 'citty'
import { createBigCommerceClient } from '../src/bigcommerce/client.ts'
import { checkStoreAccess } from '../src/bigcommerce/preflight.ts'
import { parseStartDate, type Config } from '../src/config.ts'
import type { Database } from '../src/db/database.ts'
import {
  listStores,
  normalizeStoreHash,
  registerStore,
  rekeyStores,
  removeStore,
  setStoreStatus,
  type RemoveOutcome,
} from '../src/stores/registry.ts'
import { importTokenKeys } from '../src/stores/token-crypto.ts'
import type { StoreRecord, StoreStatus } from '../src/stores/types.ts'
import { printable } from '../src/util/printable.ts'
import { loadConfig, printJson, UsageError, withDatabase } from './_shared.ts'

const STORE_HASH = /^[a-z0-9]{1,64}$/i

export function parseStoreHash(text: string, flag: string): string {
  if (!STORE_HASH.test(text.trim())) {
    throw new UsageError(
      `${flag} "${printable(text)}" is not a store hash; expected letters and digits only (the part between stores/ and /v3/ in the API path), e.g. ${flag} abc123xyz`,
    )
  }
  return normalizeStoreHash(text)
}

/** The settings' store is not in the registry: the registry's commands leave it alone. */
function refuseSettingsStore(config: Config, storeHash: string, doing: string) {
  if (config.storeHash && normalizeStoreHash(config.storeHash) === storeHash) {
    throw new UsageError(
      `store ${storeHash} is the one in BIGCOMMERCE_STORE_HASH, not in the registry: it cannot be ${doing} here. Unset BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN to stop serving it, or register it with bc-mirror stores add.`,
    )
  }
}

export interface AddStore {
  storeHash: string
  token: string
  startDate?: Date
}

/**
 * Registers a store-level API account once the API accepts its token (the preflight every command
 * makes). TOKEN_ENCRYPTION_KEY is read first: a missing key is said before anything is asked.
 */
export async function addStore(
  db: Database,
  config: Config,
  store: AddStore,
): Promise<StoreRecord> {
  const keys = await importTokenKeys(config.tokenEncryptionKey)
  // Store hashes are lower-case in BigCommerce's API paths.
  const storeHash = normalizeStoreHash(store.storeHash)
  const client = createBigCommerceClient({
    storeHash,
    accessToken: store.token,
    apiUrl: config.apiUrl,
    clientId: config.clientId,
    maxRetries: 1,
    timeoutMs: 15_000,
  })
  await checkStoreAccess(client)
  return registerStore(db, keys, {
    storeHash,
    kind: 'api_account',
    accessToken: store.token,
    startDate: store.startDate,
  })
}

/** What `stores list --json` prints per store: the registry's, and the settings' store first. */
export interface StoreListEntry {
  store_hash: string
  status: StoreStatus
  kind: StoreRecord['kind']
  source: 'settings' | 'registry'
  scopes: string[]
  start_date: string | null
  installed_at: string | null
  uninstalled_at: string | null
  updated_at: string | null
}

export async function storeList(db: Database, config: Config): Promise<StoreListEntry[]> {
  const registered = await listStores(db)
  const settingsHash = config.storeHash ? normalizeStoreHash(config.storeHash) : undefined
  const entries: StoreListEntry[] = []
  if (settingsHash && !registered.some((r) => r.storeHash === settingsHash)) {
    entries.push({
      store_hash: settingsHash,
      status: 'active',
      kind: 'api_account',
      source: 'settings',
      scopes: [],
      start_date: config.startDate?.toISOString() ?? null,
      installed_at: null,
      uninstalled_at: null,
      updated_at: null,
    })
  }
  const iso = (d: Date | null) => d?.toISOString() ?? null
  for (const r of registered) {
    entries.push({
      store_hash: r.storeHash,
      status: r.status,
      kind: r.kind,
      source: 'registry',
      scopes: r.scopes,
      start_date: iso(r.startDate),
      installed_at: iso(r.installedAt),
      uninstalled_at: iso(r.uninstalledAt),
      updated_at: iso(r.updatedAt),
    })
  }
  return entries
}

export function formatStoreList(entries: StoreListEntry[]): string {
  if (entries.length === 0) {
    return 'No stores: set BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN, or register one with bc-mirror stores add --store-hash H\n'
  }
  const lines = ['store hash        status       kind         source    installed']
  for (const e of entries) {
    lines.push(
      `${e.store_hash.padEnd(17)} ${e.status.padEnd(12)} ${e.kind.padEnd(12)} ${e.source.padEnd(9)} ${e.installed_at ?? '-'}`,
    )
  }
  return printable(`${lines.join('\n')}\n`)
}

/** Pauses, resumes (or marks uninstalled) a registered store; the settings' store is refused. */
export async function changeStoreStatus(
  db: Database,
  config: Config,
  storeHash: string,
  status: StoreStatus,
): Promise<StoreRecord> {
  refuseSettingsStore(config, storeHash, status === 'paused' ? 'paused' : 'resumed')
  return setStoreStatus(db, storeHash, status)
}

export async function removeRegisteredStore(
  db: Database,
  config: Config,
  storeHash: string,
  purge: boolean,
): Promise<RemoveOutcome> {
  refuseSettingsStore(config, storeHash, 'removed')
  return removeStore(db, storeHash, { purge })
}

export async function rekey(db: Database, config: Config): Promise<number> {
  return rekeyStores(db, await importTokenKeys(config.tokenEncryptionKey))
}

/**
 * The token for `stores add`: piped on stdin (its first line), else BIGCOMMERCE_ACCESS_TOKEN. On
 * a terminal with no token in the environment, asks for it.
 */
export async function readToken(
  stdin: NodeJS.ReadableStream & { isTTY?: boolean },
  envToken: string | undefined,
  ask: (prompt: string) => void,
): Promise<string> {
  const fromEnv = envToken?.trim()
  if (stdin.isTTY) {
    if (fromEnv) return fromEnv
    ask('Paste the access token of the store-level API account, then press Enter: ')
    return firstLine(stdin, true)
  }
  const piped = await firstLine(stdin, false)
  if (piped) return piped
  if (fromEnv) return fromEnv
  throw new UsageError(
    'no access token: pipe it on stdin (e.g. bc-mirror stores add --store-hash H < token.txt) or set BIGCOMMERCE_ACCESS_TOKEN; it is never taken as an argument',
  )
}

async function firstLine(stdin: NodeJS.ReadableStream, stopAtNewline: boolean): Promise<string> {
  let text = ''
  for await (const chunk of stdin) {
    text += chunk.toString()
    if (stopAtNewline && text.includes('\n')) break
  }
  return (text.split(/\r?\n/).find((line) => line.trim() !== '') ?? '').trim()
}

function parseStartDateArg(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined
  const date = parseStartDate(text)
  if (!date || date.getTime() > Date.now()) {
    throw new UsageError(
      `--start-date "${printable(text)}" is not a past date; expected MM/DD/YYYY or YYYY-MM-DD, e.g. --start-date 2024-01-31`,
    )
  }
  return date
}

const say = (text: string) => process.stdout.write(printable(`${text}\n`))

const hashArg = {
  hash: { type: 'positional', required: true, description: 'The store hash', valueHint: 'H' },
} as const

const add = defineCommand({
  meta: {
    name: 'add',
    description:
      "Register a store-level API account (its token on stdin or in BIGCOMMERCE_ACCESS_TOKEN, never an argument), after checking it against the store's API",
  },
  args: {
    'store-hash': {
      type: 'string',
      required: true,
      description: 'The store hash',
      valueHint: 'abc123xyz',
    },
    'start-date': {
      type: 'string',
      description:
        "Where this store's replication starts (MM/DD/YYYY or YYYY-MM-DD); default: everything",
      valueHint: 'DATE',
    },
  },
  async run({ args }) {
    const storeHash = parseStoreHash(args['store-hash'], '--store-hash')
    const startDate = parseStartDateArg(args['start-date'])
    const config = loadConfig()
    await importTokenKeys(config.tokenEncryptionKey)
    const token = await readToken(process.stdin, config.accessToken, (p) => process.stderr.write(p))
    const record = await withDatabase(config, 'bc-mirror stores add', (db) =>
      addStore(db, config, { storeHash, token, startDate }),
    )
    say(
      `Registered store ${record.storeHash} (${record.kind}, ${record.status}). A running serve picks it up within a minute; sync it now with: bc-mirror sync --store ${record.storeHash}`,
    )
  },
})

const list = defineCommand({
  meta: {
    name: 'list',
    description: 'Show the stores: the settings’ store and the registered ones',
  },
  args: { json: { type: 'boolean', description: 'Print a JSON array' } },
  async run({ args }) {
    const config = loadConfig()
    const entries = await withDatabase(config, 'bc-mirror stores list', (db) =>
      storeList(db, config),
    )
    if (args.json) printJson(entries)
    else process.stdout.write(formatStoreList(entries))
  },
})

function statusCommand(name: 'pause' | 'resume', status: StoreStatus, description: string) {
  return defineCommand({
    meta: { name, description },
    args: hashArg,
    async run({ args }) {
      const storeHash = parseStoreHash(args.hash, 'the store hash')
      const config = loadConfig()
      const record = await withDatabase(config, `bc-mirror stores ${name}`, (db) =>
        changeStoreStatus(db, config, storeHash, status),
      )
      say(`Store ${record.storeHash} is ${record.status}.`)
    },
  })
}

const remove = defineCommand({
  meta: {
    name: 'remove',
    description:
      'Remove a store from the registry; with --purge also delete its rows from every table',
  },
  args: {
    ...hashArg,
    purge: {
      type: 'boolean',
      description: "Also delete the store's mirrored rows, inbox, state and history",
    },
  },
  async run({ args }) {
    const storeHash = parseStoreHash(args.hash, 'the store hash')
    const config = loadConfig()
    const outcome = await withDatabase(config, 'bc-mirror stores remove', (db) =>
      removeRegisteredStore(db, config, storeHash, args.purge === true),
    )
    if (outcome.registered) say(`Removed store ${storeHash} from the registry.`)
    if (args.purge) {
      const total = Object.values(outcome.purged).reduce((a, b) => a + b, 0)
      const tables = Object.entries(outcome.purged)
        .filter(([, n]) => n > 0)
        .map(([table, n]) => `${table} ${n}`)
      say(
        `Deleted ${total} rows of store ${storeHash}${tables.length ? `: ${tables.join(', ')}` : ''}.`,
      )
    } else {
      say(
        `Its rows stay in the mirror; delete them with: bc-mirror stores remove ${storeHash} --purge`,
      )
    }
  },
})

const rekeyCommand = defineCommand({
  meta: {
    name: 'rekey',
    description:
      'Re-seal every stored token with the first key of TOKEN_ENCRYPTION_KEY (after adding a new key in front)',
  },
  async run() {
    const config = loadConfig()
    const count = await withDatabase(config, 'bc-mirror stores rekey', (db) => rekey(db, config))
    say(
      count === 0
        ? 'No registered stores: nothing to re-seal.'
        : `Re-sealed ${count} token${count === 1 ? '' : 's'} with the first key of TOKEN_ENCRYPTION_KEY; the second key can now be dropped.`,
    )
  },
})

export default defineCommand({
  meta: {
    name: 'stores',
    description: 'The store registry: add, list, pause, resume, remove, rekey',
  },
  subCommands: {
    add,
    list,
    pause: statusCommand(
      'pause',
      'paused',
      'Stop serving a registered store (its rows and token are kept)',
    ),
    resume: statusCommand('resume', 'active', 'Serve a paused store again'),
    remove,
    rekey: rekeyCommand,
  },
})
