#!/usr/bin/env node
// The `bc-mirror` command. The project ships TypeScript sources and runs them through tsx's
// loader, so there is no build step between `npm ci` and a working command.
import { register } from 'tsx/esm/api'

// Colours only on a terminal: citty decides once, when it loads, from NO_COLOR alone.
if (!process.stdout.isTTY || !process.stderr.isTTY) process.env.NO_COLOR = '1'
register()
await import('../cli/index.ts')
