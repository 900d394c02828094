// Commands the contract names that are not built yet: they say so and fail, never pretend.
import { defineCommand } from 'citty'
import { CommandFailed } from './_shared.ts'

export function notBuilt(name: string, description: string) {
  return defineCommand({
    meta: { name, description: `${description} (not built yet)` },
    run() {
      throw new CommandFailed(`bc-mirror ${name} is not built yet in this version.`)
    },
  })
}
