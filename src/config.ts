// Settings: the one place that interprets the environment. Hosts pass in a plain key/value map
// (process.env merged with .env on Node, the bindings on Workers) and get back a typed Config, or
// a ConfigError that names every problem at once. Secret values never appear in messages.
// The schema lives in config/schema.ts, masking and URL redaction in config/redact.ts.
import { describeValue } from './config/redact.ts'
import { buildSchema } from './config/schema.ts'
import type { Config, ConfigNeeds, Env } from './config/types.ts'

export type { Config, ConfigNeeds, Env, ScheduleConfig } from './config/types.ts'
export { maskSecrets, passwordsInUrl, redactUrl, replaceSecret } from './config/redact.ts'
export { parseStartDate } from './config/schema.ts'

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid settings (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSet them in the environment or in a .env file in the working directory.',
    )
    this.name = 'ConfigError'
  }
}

/** Validates the settings; throws one ConfigError naming every problem. */
export function parseConfig(env: Env, needs: ConfigNeeds = {}, now = new Date()): Config {
  const result = buildSchema(needs, now).safeParse(env)
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '')
      // zod's own messages (wrong type, not a number) get the variable's name in front.
      const message = issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`
      const value = env[name]
      return value === undefined ? message : message + describeValue(name, value)
    })
    throw new ConfigError(problems)
  }
  const v = result.data
  return {
    storeHash: v.BIGCOMMERCE_STORE_HASH ?? '',
    accessToken: v.BIGCOMMERCE_ACCESS_TOKEN ?? '',
    clientId: v.BIGCOMMERCE_CLIENT_ID,
    clientSecret: v.BIGCOMMERCE_CLIENT_SECRET,
    startDate: v.BIGCOMMERCE_START_DATE,
    apiUrl: v.BIGCOMMERCE_API_URL,
    apiRetryBaseMs: v.API_RETRY_BASE_MS,
    publicUrl: v.PUBLIC_URL,
    loginUrl: v.BIGCOMMERCE_LOGIN_URL,
    databaseUrl: v.DATABASE_URL,
    dataDir: v.DATA_DIR,
    tokenEncryptionKey: v.TOKEN_ENCRYPTION_KEY,
    webhookSecret: v.WEBHOOK_SECRET,
    statusToken: v.STATUS_TOKEN,
    pglitePort: v.PGLITE_PORT,
    pgliteIdleTimeoutSeconds: v.PGLITE_IDLE_TIMEOUT_SECONDS,
    host: v.HOST,
    port: v.PORT,
    schedule: {
      incrementalMinutes: v.SYNC_INTERVAL_MINUTES,
      couponsMinutes: v.COUPONS_INTERVAL_MINUTES,
      fullMinutes: v.FULL_SYNC_INTERVAL_MINUTES,
      hooksMinutes: v.HOOKS_CHECK_INTERVAL_MINUTES,
    },
  }
}
