// Writes the embedded database's starting image, dist/src/db/embedded-image.tgz (run by `npm run
// build` after tsc): a data directory initialised and migrated once here, so that a new DATA_DIR
// is unpacked from it instead of running initdb on the user's machine (src/node/embedded-image.ts).
// Skipped when the image already matches the installed PGlite and the migrations.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeEmbeddedImage } from '../src/node/embedded-image.ts'

const path = fileURLToPath(new URL('../dist/src/db/embedded-image.tgz', import.meta.url))
mkdirSync(dirname(path), { recursive: true })
if (await writeEmbeddedImage(path)) console.log(`wrote ${path}`)
