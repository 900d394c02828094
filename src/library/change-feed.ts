// The database side of mirror.onChange: the change feed (NOTIFY bigcommerce_mirror after each
// commit that changed mirrored rows), heard through listenForChanges (src/db/changes.ts). A
// listener's own failures are caught by the fan-out (changes.ts) before they reach the feed.
import { listenForChanges } from '../db/changes.ts'
import type { ChangeFeed } from './changes.ts'

export const databaseChangeFeed: ChangeFeed = (db, listener) => listenForChanges(db, listener)
