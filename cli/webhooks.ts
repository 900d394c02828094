// `bc-mirror webhooks ensure|list|remove`: the store's hooks for this mirror. Arguments in, one
// core call, the outcome printed; the rules live in src/sync/hooks/mirror-hooks.ts.
import { existsSync } from 'node:fs'
import { defineCommand } from 'citty'
import type { Hook } from '../src/bigcommerce/hooks.ts'
import { checkStoreAccess } from '../src/bigcommerce/preflight.ts'
import type { Config } from '../src/config.ts'
import { createStoreClient } from '../src/node/store-client.ts'
import {
  checkDestination,
  ensureHooks,
  hookStateOf,
  listMirrorHooks,
  removeHooks,
  RECEIVER_PATH,
  recordHookState,
  type EnsureResult,
  type HookAction,
  type HookState,
} from '../src/sync/hooks/mirror-hooks.ts'
import { printable } from '../src/util/printable.ts'
import type { Database } from '../src/db/database.ts'
import {
  configFor,
  loadStoresConfig,
  runForStores,
  severalJson,
  storeArg,
  type OpenDatabase,
} from './_stores.ts'
import { CommandFailed, loadConfig, printJson, UsageError } from './_shared.ts'

// Hooks' URLs come from the store: printed without control characters.
const print = (text: string) => process.stdout.write(`${printable(text)}\n`)

/** The store's client, once the store hash and the token are known to work. */
async function checkedClient(config: Config) {
  const client = createStoreClient(config)
  await checkStoreAccess(client)
  return client
}

function describeHook(hook: Hook): string {
  return `#${hook.id} ${hook.scope.padEnd(18)} ${hook.is_active ? 'active  ' : 'INACTIVE'} ${hook.destination}`
}

function describeAction(action: HookAction): string {
  switch (action.kind) {
    case 'create':
      return `created   ${action.scope}`
    case 'update':
      return `updated   ${action.scope} (#${action.hook.id}: ${action.reasons.join(', ')})`
    case 'keep':
      return `unchanged ${action.scope} (#${action.hook.id})`
  }
}

/**
 * Records the hooks' state for `status`. Only in a mirror that exists (an embedded database is
 * not created for it), and a failure only warns: the hooks are right whatever the database says.
 */
async function recordEnsured(
  config: Config,
  storeHash: string,
  state: HookState,
  db: () => Promise<Database>,
  given: boolean,
) {
  if (!given && !config.databaseUrl && !existsSync(config.dataDir)) return
  try {
    await recordHookState(await db(), storeHash, state)
  } catch {
    // No error text: a database error may quote its connection settings.
    process.stderr.write(
      "bc-mirror: the hooks are in place, but the mirror's database could not be opened to record it for status (is serve holding DATA_DIR?); serve's hourly hook check will record it.\n",
    )
  }
}

const ensure = defineCommand({
  meta: {
    name: 'ensure',
    description: 'Create, reactivate or fix the hooks so the store delivers to URL',
  },
  args: {
    url: {
      type: 'string',
      required: true,
      description: `The receiver's public URL, ending in ${RECEIVER_PATH}`,
    },
    'allow-insecure': {
      type: 'boolean',
      description: 'Accept http:// or a port other than 443 (local testing only)',
    },
    json: { type: 'boolean', description: 'Print the actions as JSON' },
    ...storeArg,
  },
  async run({ args }) {
    if (!URL.canParse(args.url) || !/^https?:$/.test(new URL(args.url).protocol)) {
      throw new UsageError(
        `"${args.url}" is not an http(s) URL; expected e.g. https://mirror.example.com${RECEIVER_PATH}`,
      )
    }
    // serve answers deliveries on this one path; a hook to any other would never be answered.
    if (!new URL(args.url).pathname.endsWith(RECEIVER_PATH)) {
      throw new UsageError(
        `--url ${args.url} does not end in ${RECEIVER_PATH}, the only path bc-mirror serve answers deliveries on; expected e.g. https://mirror.example.com${RECEIVER_PATH}`,
      )
    }
    const problem = checkDestination(args.url)
    if (problem && !args['allow-insecure']) {
      throw new UsageError(
        `${problem} Use a public https:// URL, or pass --allow-insecure for local testing.`,
      )
    }
    const config = loadStoresConfig({ webhookSecret: true })
    await ensureStores(config, { url: args.url, json: args.json, store: args.store })
  },
})

/**
 * Makes the hooks of `--store H`, or of every active store, deliver to `url` (`--json`: today's
 * object for one store, `{stores: [{store_hash, ...actions}]}` for several).
 */
export async function ensureStores(
  config: Config,
  args: { url: string; json?: boolean; store?: string },
  options: { openDatabase?: OpenDatabase } = {},
): Promise<void> {
  const { outcomes, several } = await runForStores<EnsureResult>(
    config,
    'bc-mirror webhooks ensure',
    args.store,
    async ({ store, db }) => {
      const client = createStoreClient(configFor(config, store))
      await checkStoreAccess(client)
      const secret = config.webhookSecret ?? ''
      const result = await ensureHooks(client, { destination: args.url, secret })
      const state = hookStateOf(args.url, result)
      await recordEnsured(config, store.storeHash, state, db, options.openDatabase !== undefined)
      return result
    },
    (outcomes, several) => {
      if (args.json) {
        const shown = outcomes.map((o) => ({ ...o, value: o.value && ensureJson(o.value) }))
        printJson(several ? severalJson(shown) : shown[0]?.value)
      } else {
        for (const o of outcomes) {
          if (!o.value) continue
          if (several) print(`Store ${o.store.storeHash}`)
          printEnsured(o.value, args.url)
        }
      }
    },
    {
      openDatabase: options.openDatabase,
      failed: (result: EnsureResult) => result.refused.length > 0,
      registryOptional: true,
    },
  )
  const result = outcomes[0]?.value
  if (several || !result) return
  const refused = result.refused.length
  if (refused > 0)
    throw new CommandFailed(
      `the store refused ${refused} of ${refused + result.actions.length} hooks (listed above); the others are in place`,
    )
}

function ensureJson(result: EnsureResult) {
  return {
    unchanged: result.unchanged,
    actions: result.actions.map((a) => ({
      kind: a.kind,
      scope: a.scope,
      ...(a.kind === 'update' ? { reasons: a.reasons } : {}),
    })),
    refused: result.refused,
    deactivated: result.deactivated,
    blocked: result.blocked,
  }
}

const CAUSES = {
  inactivity: 'BigCommerce switched it off after 90 days without events',
  failures: 'BigCommerce switched it off after 48 hours of failed deliveries',
}

function printEnsured(result: EnsureResult, url: string) {
  for (const action of result.actions) print(describeAction(action))
  for (const d of result.deactivated) print(`          ${d.scope} was off: ${CAUSES[d.cause]}`)
  for (const r of result.refused) print(`refused   ${r.scope}: ${r.reason}`)
  for (const b of result.blocked ?? []) {
    print(
      `blocked   ${b.destination}: BigCommerce holds deliveries back for ${b.timeLeftSeconds} s more (${b.reasons.join(', ') || 'too many failed deliveries'}); they resume by themselves once it answers 2xx`,
    )
  }
  if (result.refused.length > 0) {
    print(
      `Partly done: ${result.actions.length} scopes deliver to ${url}; the refused ones' changes reach the mirror only through sweeps (bc-mirror sync).`,
    )
  } else {
    print(
      result.unchanged
        ? `Nothing to change: every hook already delivers to ${url}.`
        : `Done: the store now delivers ${result.actions.length} scopes to ${url} (a new hook can take a minute to start).`,
    )
  }
}

const list = defineCommand({
  meta: { name: 'list', description: "Show this mirror's hooks" },
  args: {
    url: {
      type: 'string',
      description: `Only hooks to this URL (default: every hook ending in ${RECEIVER_PATH})`,
    },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  async run({ args }) {
    const config = loadConfig({ store: true })
    const hooks = await listMirrorHooks(await checkedClient(config), args.url)
    if (args.json) return printJson(hooks.map(({ headers: _secret, ...hook }) => hook))
    if (hooks.length === 0)
      print('No hooks for this mirror. Create them with: bc-mirror webhooks ensure --url URL')
    for (const hook of hooks) print(describeHook(hook))
  },
})

const remove = defineCommand({
  meta: { name: 'remove', description: "Delete this mirror's hooks" },
  args: {
    url: {
      type: 'string',
      description: `Only hooks to this URL (default: every hook ending in ${RECEIVER_PATH})`,
    },
  },
  async run({ args }) {
    const config = loadConfig({ store: true })
    const removed = await removeHooks(await checkedClient(config), args.url)
    for (const hook of removed) print(`removed ${describeHook(hook)}`)
    print(removed.length === 0 ? 'No hooks to remove.' : `Removed ${removed.length} hooks.`)
  },
})

export default defineCommand({
  meta: { name: 'webhooks', description: "Manage the store's webhooks (ensure, list, remove)" },
  subCommands: { ensure, list, remove },
})
