#!/usr/bin/env node
// The `bc-mirror` command. The project ships TypeScript sources and runs them through tsx's
// loader, so there is no build step between `npm ci` and a working command.
import { register } from 'tsx/esm/api'

register()
await import('../cli/index.ts')
