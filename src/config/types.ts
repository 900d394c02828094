// The typed settings parseConfig returns, and what a command may ask for beyond the database.

export interface Config {
  storeHash: string
  accessToken: string
  clientId?: string
  clientSecret?: string
  /** Where replication starts (UTC midnight); undefined means everything. */
  startDate?: Date
  apiUrl: string
  /** The first wait before a failed API request (5xx, timeout, connection error) is tried again; doubles per attempt. */
  apiRetryBaseMs?: number
  /** App mode's base URL: where BigCommerce reaches the callbacks and delivers the hooks. */
  publicUrl?: string
  /** Where the app's install code is exchanged (`{loginUrl}/oauth2/token`); default BigCommerce's. */
  loginUrl?: string
  databaseUrl?: string
  dataDir: string
  /** Seals stores' tokens in the database: one key, or `new,old` while rotating (src/stores/token-crypto.ts). */
  tokenEncryptionKey?: string
  webhookSecret?: string
  /** Opens `GET /status` and `GET /metrics` to `Authorization: Bearer <token>`; unset, both are off. */
  statusToken?: string
  /** While `serve` runs on the embedded database, it also answers PostgreSQL's protocol here (127.0.0.1). */
  pglitePort?: number
  /** How long a PGLITE_PORT client may hold the database idle before it is dropped (default 30). */
  pgliteIdleTimeoutSeconds?: number
  /** The address `serve` listens on; parseConfig's default is 127.0.0.1. */
  host?: string
  port: number
  schedule: ScheduleConfig
}

/** Minutes between scheduled jobs of `serve`; 0 turns a job off. */
export interface ScheduleConfig {
  incrementalMinutes: number
  couponsMinutes: number
  fullMinutes: number
  hooksMinutes: number
}

/** What the calling command needs beyond the database settings. */
export interface ConfigNeeds {
  /** BigCommerce store hash and token (every command that talks to, or about, a store). */
  store?: boolean
  /** WEBHOOK_SECRET (serve, webhooks ensure). */
  webhookSecret?: boolean
}

export type Env = Record<string, string | undefined>
