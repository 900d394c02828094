// The database side of mirror.onChange. WIRING PENDING: the change feed itself (NOTIFY
// bigcommerce_mirror after each commit, and listenForChanges(db, listener) that LISTENs to it) is
// being built on branch h-changes (src/db/changes.ts); when it lands, this function's body becomes
// `listenForChanges(db, listener)`. Until then a listener hears nothing, and the first is told why.
import type { ChangeFeed } from './changes.ts'

export const databaseChangeFeed: ChangeFeed = async () => {
  throw new Error('onChange: the change feed (NOTIFY bigcommerce_mirror) is not in this build yet')
}
