// What every command shares: reading settings, opening the database, and the errors that map to
// exit code 2 (the user's input was wrong; nothing was done).
import { parseConfig, type Config, type ConfigNeeds } from '../src/config.ts'
import type { Database } from '../src/db/database.ts'
import { readNodeEnv } from '../src/node/env.ts'
import { openConfiguredDatabase } from '../src/node/open-database.ts'

/** Bad arguments: exit code 2, like a bad setting. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** A command that ran but did not fully succeed (e.g. a sweep with a failed table): exit code 1, no stack. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CommandFailed'
  }
}

/** A command stopped on request (Ctrl-C) after saying so: exits with `code`, prints no more. */
export class CommandStopped extends Error {
  constructor(readonly code: number) {
    super('stopped')
    this.name = 'CommandStopped'
  }
}

export function loadConfig(needs: ConfigNeeds = {}): Config {
  return parseConfig(readNodeEnv(), needs)
}

/**
 * Opens (and migrates) the configured database, runs `fn`, and always closes it. An embedded
 * database held by `serve` with PGLITE_PORT is reached through serve.
 */
export async function withDatabase<T>(
  config: Config,
  command: string,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  const opened = await openConfiguredDatabase(config, command, { viaServe: true })
  for (const warning of opened.warnings) process.stderr.write(`bc-mirror: warning: ${warning}\n`)
  try {
    return await fn(opened.db)
  } finally {
    await opened.close()
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}
