// The `bc-mirror` command: a lazy map of subcommands (each loads only what it needs), and one
// place that turns errors into messages and exit codes: 2 for bad settings or arguments (nothing
// was done), 1 for failures. Stack traces only with DEBUG set.
import { defineCommand, runCommand, showUsage, type CommandDef } from 'citty'
import { ConfigError } from '../src/config.ts'
import { UsageError } from './_shared.ts'
import pkg from '../package.json' with { type: 'json' }

const main = defineCommand({
  meta: { name: 'bc-mirror', version: pkg.version, description: 'Mirror a BigCommerce store into PostgreSQL' },
  subCommands: {
    migrate: () => import('./migrate.ts').then((m) => m.default),
    sync: () => import('./sync.ts').then((m) => m.default),
    serve: () => import('./serve.ts').then((m) => m.default),
    webhooks: () => import('./webhooks.ts').then((m) => m.default),
    status: () => import('./status.ts').then((m) => m.default),
  },
})

function exitCodeFor(error: unknown): number {
  if (error instanceof ConfigError || error instanceof UsageError) return 2
  // citty's own argument errors (unknown command, missing required argument)
  if (error instanceof Error && error.name === 'CLIError') return 2
  return 1
}

async function run(rawArgs: string[]): Promise<number> {
  if (rawArgs.includes('--help') || rawArgs.includes('-h') || rawArgs.length === 0) {
    const [command, parent] = await resolveForUsage(rawArgs)
    await showUsage(command, parent)
    return rawArgs.length === 0 ? 2 : 0
  }
  if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
    process.stdout.write(`${pkg.version}\n`)
    return 0
  }
  try {
    await runCommand(main, { rawArgs })
    return 0
  } catch (error) {
    const code = exitCodeFor(error)
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(`bc-mirror: ${message}\n`)
    if (process.env.DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`)
    return code
  }
}

/** The (sub)command whose usage to show for `bc-mirror [group] [command] --help`. */
async function resolveForUsage(rawArgs: string[]): Promise<[CommandDef, CommandDef | undefined]> {
  let command: CommandDef = main
  let parent: CommandDef | undefined
  for (const arg of rawArgs.filter((a) => !a.startsWith('-'))) {
    const subs = typeof command.subCommands === 'function' ? await command.subCommands() : await command.subCommands
    const next = subs?.[arg]
    if (!next) break
    parent = command
    command = typeof next === 'function' ? await next() : await next
  }
  return [command, parent]
}

process.exitCode = await run(process.argv.slice(2))
