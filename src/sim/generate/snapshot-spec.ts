// What the simulated store knows of a resource it lists whole (no date_modified): where its list
// lives, its webhook events and its generated fields. The generic routes (server/snapshot-routes.ts)
// serve every one of them; a new one is a generator file and a line in generate.ts.
import type { GenerateContext } from './context.ts'

export interface SimSnapshotSpec<Name extends string = string> {
  name: Name
  /** `/v2/...` (bare arrays, 204 past the end, `/count`) or `/v3/...` (`{data, meta}`). */
  path: string
  /** The webhook type of one row (`category`). */
  singular: string
  /** Whether the store sends `store/<singular>/created|updated|deleted` for it. */
  events: boolean
  /** Whether objects carry date_created (v2 coupons do, in RFC 2822). */
  dateCreated: boolean
  generate(ctx: GenerateContext, id: number): Record<string, unknown>
}
