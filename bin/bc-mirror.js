#!/usr/bin/env node
// The `bc-mirror` command: runs the compiled program in dist/, which `npm run build` makes (and
// `npm ci` runs it, through the prepare script).
import { existsSync } from 'node:fs'

const PROGRAM = new URL('../dist/cli/index.js', import.meta.url)

if (!existsSync(PROGRAM)) {
  process.stderr.write(
    'bc-mirror: the program is not built (dist/ is missing): run `npm run build`\n',
  )
  process.exit(1)
}
// Colours only on a terminal: citty decides once, when it loads, from NO_COLOR alone.
if (!process.stdout.isTTY || !process.stderr.isTTY) process.env.NO_COLOR = '1'
await import(PROGRAM.href)
