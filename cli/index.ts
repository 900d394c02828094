// The `bc-mirror` command: a lazy map of subcommands (each loads only what it needs), and one
// place that turns errors into messages and exit codes: 2 for bad settings or arguments (nothing
// was done), 1 for failures. A user sees one line per error, never a stack trace: those only with
// --debug or DEBUG=1, and every configured secret is masked in whatever is printed.
import { defineCommand, renderUsage, runCommand, showUsage, type CommandDef } from 'citty'
import { StoreAccessError } from '../src/bigcommerce/preflight.ts'
import { MIRROR_VERSION } from '../src/bigcommerce/version.ts'
import { BigCommerceApiError, BigCommerceDataError } from '../src/bigcommerce/errors.ts'
import { describeFailure } from '../src/bigcommerce/explain.ts'
import { ConfigError, maskSecrets } from '../src/config.ts'
import { describeCause } from '../src/db/errors.ts'
import { UnknownStoreError } from '../src/stores/registry.ts'
import { SealedTokenError, TokenKeyError } from '../src/stores/token-crypto.ts'
import { readNodeEnv } from '../src/node/env.ts'
import { printable, printableLine } from '../src/util/printable.ts'
import { ArgumentError, checkArgs, MissingSubcommand } from './_args.ts'
import { CommandStopped, UsageError } from './_shared.ts'

const main = defineCommand({
  meta: {
    name: 'bc-mirror',
    version: MIRROR_VERSION,
    description: 'Mirror a BigCommerce store into PostgreSQL',
  },
  subCommands: {
    migrate: () => import('./migrate.ts').then((m) => m.default),
    sync: () => import('./sync.ts').then((m) => m.default),
    serve: () => import('./serve.ts').then((m) => m.default),
    webhooks: () => import('./webhooks.ts').then((m) => m.default),
    status: () => import('./status.ts').then((m) => m.default),
    verify: () => import('./verify.ts').then((m) => m.default),
    changes: () => import('./changes.ts').then((m) => m.default),
    stores: () => import('./stores.ts').then((m) => m.default),
  },
})

function exitCodeFor(error: unknown): number {
  if (error instanceof CommandStopped) return error.code
  if (error instanceof ConfigError || error instanceof UsageError) return 2
  // An unknown store hash, a missing or wrong TOKEN_ENCRYPTION_KEY: input or settings to fix.
  if (error instanceof UnknownStoreError || error instanceof TokenKeyError) return 2
  if (error instanceof SealedTokenError) return 2
  // The store hash or the token is wrong: a bad setting, found out by asking the API.
  if (error instanceof StoreAccessError && error.problem !== 'unreachable') return 2
  return 1
}

let debug = false

/** Writes one error line (masked), and its stack only when debugging. */
function report(error: unknown): void {
  const env = readNodeEnv()
  const fromApi = error instanceof BigCommerceApiError || error instanceof BigCommerceDataError
  // drizzle's message quotes the SQL and every parameter (rows, customers' emails): never shown.
  const fromDatabase = error instanceof Error && error.message.startsWith('Failed query:')
  const text =
    fromApi || !(error instanceof Error)
      ? describeFailure(error)
      : fromDatabase
        ? describeCause(error)
        : error.message
  // What the API said goes on one line; the mirror's own messages (settings) keep their lines.
  const shown = fromApi ? printableLine(text) : printable(text)
  process.stderr.write(`${maskSecrets(`bc-mirror: ${shown}`, env)}\n`)
  if (debug && error instanceof Error && error.stack)
    process.stderr.write(`${maskSecrets(error.stack, env)}\n`)
}

async function run(args: string[]): Promise<number> {
  debug = args.includes('--debug') || process.env.DEBUG === '1' || process.env.DEBUG === 'true'
  const rawArgs = args.filter((a) => a !== '--debug')
  if (rawArgs.includes('--help') || rawArgs.includes('-h') || rawArgs.length === 0) {
    const [command, parent] = await resolveForUsage(rawArgs)
    await showUsage(command, parent)
    return rawArgs.length === 0 ? 2 : 0
  }
  if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
    process.stdout.write(`${MIRROR_VERSION}\n`)
    return 0
  }
  try {
    await checkArgs(main, rawArgs)
  } catch (error) {
    if (error instanceof MissingSubcommand) {
      await showUsage(error.command, error.parent)
      return 2
    }
    if (!(error instanceof ArgumentError)) throw error
    const usage = await renderUsage(error.command, error.parent)
    process.stderr.write(`bc-mirror: ${error.message}\n\n${usage}\n`)
    return 2
  }
  try {
    await runCommand(main, { rawArgs })
    return 0
  } catch (error) {
    if (!(error instanceof CommandStopped)) report(error)
    return exitCodeFor(error)
  }
}

/** The (sub)command whose usage to show for `bc-mirror [group] [command] --help`. */
async function resolveForUsage(rawArgs: string[]): Promise<[CommandDef, CommandDef | undefined]> {
  let command: CommandDef = main
  let parent: CommandDef | undefined
  for (const arg of rawArgs.filter((a) => !a.startsWith('-'))) {
    const subs =
      typeof command.subCommands === 'function'
        ? await command.subCommands()
        : await command.subCommands
    const next = subs?.[arg]
    if (!next) break
    parent = command
    command = typeof next === 'function' ? await next() : await next
  }
  return [command, parent]
}

// A failure outside the command's own flow (a rejected promise nobody awaited, a throw in a
// timer) still ends as one line and exit code 1, never as Node's stack dump.
const crash = (error: unknown) => {
  report(error)
  process.exit(1)
}
process.on('unhandledRejection', crash)
process.on('uncaughtException', crash)

process.exitCode = await run(process.argv.slice(2))
