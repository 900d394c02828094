// The settings a Node process sees: its environment, over a .env file in the working directory
// when there is one (a real environment variable always wins, as with dotenv).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import type { Env } from '../config.ts'

export function readNodeEnv(cwd = process.cwd()): Env {
  const file = join(cwd, '.env')
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {}
  return { ...fromFile, ...process.env }
}
