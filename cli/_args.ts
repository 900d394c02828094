// Checks a command line against the commands' declared arguments before anything runs. citty 0.2
// accepts any option (an unknown `--table orders` is silently ignored, so `sync` synced every
// table): here an unknown command, an unknown option, a stray word or an option without its value
// is refused, with the usage of the command it was meant for.
import type { ArgDef, ArgsDef, CommandDef, Resolvable } from 'citty'
import { UsageError } from './_shared.ts'

/** Bad arguments for a known (sub)command: exit code 2, with that command's usage. */
export class ArgumentError extends UsageError {
  constructor(
    message: string,
    readonly command: CommandDef,
    readonly parent: CommandDef | undefined,
  ) {
    super(message)
  }
}

/** A command group run without its subcommand (`bc-mirror webhooks`): show what it offers. */
export class MissingSubcommand extends ArgumentError {}

async function resolve<T>(value: Resolvable<T> | undefined): Promise<T | undefined> {
  return typeof value === 'function' ? await (value as () => T | Promise<T>)() : await value
}

/** The leaf command `rawArgs` names; throws an ArgumentError for anything it does not declare. */
export async function checkArgs(main: CommandDef, rawArgs: readonly string[]): Promise<void> {
  let command = main
  let parent: CommandDef | undefined
  let rest = [...rawArgs]
  for (;;) {
    const subCommands = await resolve(command.subCommands)
    if (!subCommands || Object.keys(subCommands).length === 0) break
    const [name, ...after] = rest
    const names = Object.keys(subCommands).join(', ')
    if (name === undefined) {
      throw new MissingSubcommand(`a command is needed: one of ${names}`, command, parent)
    }
    const next = name.startsWith('-') ? undefined : subCommands[name]
    if (!next) {
      const what = name.startsWith('-') ? `option ${name}` : `command "${name}"`
      throw new ArgumentError(`unknown ${what}; expected one of ${names}`, command, parent)
    }
    parent = command
    command = (await resolve(next)) ?? command
    rest = after
  }
  checkOptions((await resolve(command.args)) ?? {}, rest, command, parent)
}

function checkOptions(
  args: ArgsDef,
  tokens: string[],
  command: CommandDef,
  parent: CommandDef | undefined,
) {
  const fail = (message: string) => new ArgumentError(message, command, parent)
  const byName = new Map<string, ArgDef>()
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') continue
    byName.set(`--${name}`, def)
    for (const alias of ['alias' in def ? (def.alias ?? []) : []].flat()) {
      byName.set(alias.length === 1 ? `-${alias}` : `--${alias}`, def)
    }
  }
  const known = [...byName.keys()].filter((k) => k.startsWith('--')).join(', ') || 'none'
  const positionals = Object.values(args).filter((def) => def.type === 'positional').length
  let seenPositionals = 0
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? ''
    if (!token.startsWith('-') || token === '-') {
      if (seenPositionals++ < positionals) continue
      throw fail(`unexpected argument "${token}"; options: ${known}`)
    }
    const [flag = '', inline] = token.split(/=(.*)/s, 2)
    const negated = flag.startsWith('--no-') && byName.get(`--${flag.slice(5)}`)?.type === 'boolean'
    const def = negated ? byName.get(`--${flag.slice(5)}`) : byName.get(flag)
    if (!def) throw fail(`unknown option ${flag}; options: ${known}`)
    if (def.type === 'boolean') {
      if (inline !== undefined) throw fail(`${flag} takes no value (got "${inline}")`)
      continue
    }
    if (inline !== undefined) {
      if (inline === '') throw fail(`${flag} needs a value`)
      continue
    }
    const value = tokens[i + 1]
    if (value === undefined || value.startsWith('--')) {
      const example = def.valueHint ? `, e.g. ${flag} ${def.valueHint}` : ''
      throw fail(`${flag} needs a value${example}`)
    }
    i += 1
  }
}
