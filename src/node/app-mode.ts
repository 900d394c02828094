// App mode for `serve`: with the app's BIGCOMMERCE_CLIENT_ID/SECRET and PUBLIC_URL, the install,
// load and uninstall callbacks run on the store registry, and an install is followed at once by
// the store's hooks (to PUBLIC_URL) and its backfill.
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { registryInstalls, type AppCallbackDeps } from '../http/app-callbacks.ts'
import { checkDestination, ensureHooks, RECEIVER_PATH } from '../sync/hooks/mirror-hooks.ts'
import { importTokenKeys } from '../stores/token-crypto.ts'
import type { StoreDirectory } from '../stores/types.ts'
import { describeError, type Logger } from '../util/log.ts'
import { createStoreClient } from './store-client.ts'

type AppSettings = Pick<
  Config,
  | 'clientId'
  | 'clientSecret'
  | 'publicUrl'
  | 'loginUrl'
  | 'apiUrl'
  | 'webhookSecret'
  | 'tokenEncryptionKey'
>

/** App mode is on when PUBLIC_URL is set. */
const isAppMode = (config: Pick<Config, 'publicUrl'>): boolean => config.publicUrl !== undefined

/** What keeps app mode from working, one line each; empty when it can run (or is off). */
export function appModeProblems(config: AppSettings, allowInsecure: boolean): string[] {
  if (!isAppMode(config)) return []
  const problems: string[] = []
  if (!config.clientId || !config.clientSecret)
    problems.push(
      "PUBLIC_URL turns on app mode, which needs the app's BIGCOMMERCE_CLIENT_ID and BIGCOMMERCE_CLIENT_SECRET (from the Developer Portal)",
    )
  if (!config.tokenEncryptionKey)
    problems.push(
      "app mode keeps each installed store's token in the database, sealed: set TOKEN_ENCRYPTION_KEY (e.g. the output of `openssl rand -hex 32`)",
    )
  const destination = checkDestination(`${config.publicUrl}${RECEIVER_PATH}`)
  if (destination && !allowInsecure)
    problems.push(
      `PUBLIC_URL: ${destination} Use a public https:// URL, or pass --allow-insecure for local testing.`,
    )
  return problems
}

export interface AppModeHooks {
  directory: StoreDirectory
  log: Logger
  /** The stores changed: the receiver and the background read them again now. */
  storesChanged(): void
}

/** The callbacks' dependencies for serve; undefined when app mode is off. */
export async function appCallbacksFor(
  config: AppSettings,
  db: Database,
  hooks: AppModeHooks,
): Promise<AppCallbackDeps | undefined> {
  const { clientId, clientSecret, publicUrl } = config
  if (!publicUrl || !clientId || !clientSecret) return undefined
  const keys = config.tokenEncryptionKey
    ? await importTokenKeys(config.tokenEncryptionKey)
    : undefined
  const { log } = hooks
  return {
    clientId,
    clientSecret,
    publicUrl,
    loginUrl: config.loginUrl,
    installs: registryInstalls(db, keys),
    async onInstalled(storeHash) {
      log('info', 'store installed', { store: storeHash })
      hooks.storesChanged()
      await makeHooks(config, hooks, storeHash)
    },
    onUninstalled(storeHash) {
      log('info', 'store uninstalled; its rows are kept', { store: storeHash })
      hooks.storesChanged()
    },
    onError: (error) => log('error', 'app callback failed', { error: describeError(error) }),
  }
}

/** The installed store's hooks, to PUBLIC_URL; a failure is logged and the hook check repairs it. */
async function makeHooks(config: AppSettings, hooks: AppModeHooks, storeHash: string) {
  const found = await hooks.directory.find(storeHash)
  if (!found || !config.webhookSecret) return
  const client = createStoreClient({
    storeHash,
    accessToken: found.access.accessToken,
    apiUrl: config.apiUrl,
    clientId: config.clientId,
  })
  const result = await ensureHooks(client, {
    destination: `${config.publicUrl}${RECEIVER_PATH}`,
    secret: config.webhookSecret,
  })
  hooks.log(result.refused.length > 0 ? 'warn' : 'info', 'hooks made for an installed store', {
    store: storeHash,
    made: result.actions.filter((a) => a.kind !== 'keep').map((a) => a.scope),
    refused: result.refused.map((r) => `${r.scope}: ${r.reason}`),
  })
}
