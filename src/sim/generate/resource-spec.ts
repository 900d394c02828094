// What the simulated store knows of one resource: where its API lives, how it writes dates, its
// webhook events, its generated fields, how its v3 list reads its query, and its children. Each
// resource declares one in its generator file (./<name>.ts); the store's tables, mutations,
// rendering and generic routes (server/resource-routes.ts, server/child-routes.ts) read only this,
// so a new resource is a generator file and a line in generate.ts.
import type { GenerateContext } from './context.ts'

type Fields = Record<string, unknown>

// `Switches`: the store's switches a resource's hooks read (server/options.ts documents them all),
// declared by the resource as the part it reads, since the model does not import the server.

/** How a v3 list reads its query where BigCommerce's lists differ. */
export interface SimV3Listing<Switches = object> {
  /**
   * The `sort` values the list takes and the order each gives (`id`: creation order, as rows are
   * created in id order here). Empty: any `sort` is refused, the harsher reading of a list whose
   * sort is not documented.
   */
  sorts: Record<string, 'id' | 'modified'>
  /** The catalog writes `sort=<field>&direction=desc`, customers `sort=<field>:desc`. */
  sortForm: 'direction' | 'colon'
  /** Whether `id`, `id:min` and `id:max` filter (customers take only `id:in`). */
  idRange: boolean
  /** Whether `GET <path>/{id}` answers one object (BigCommerce has none for customers). */
  byId: boolean
  /** `include` values and the field each adds; such a field is left out unless included. */
  includes: Record<string, string>
  /** Shapes an object further once the includes are settled (embed caps, derived fields). */
  shape?(object: Fields, include: ReadonlySet<string>, settings: Switches): Fields
  /** What besides the query decides `shape`'s output (a cap setting), for the rendered cache. */
  shapeKey?(settings: Switches): string
  /** Whether `include_fields` and `exclude_fields` are honoured; default yes. */
  trimsFields?(settings: Switches): boolean
  /** The page size some includes cap the list at (the catalog: 10 with options or modifiers). */
  maxLimit?(include: ReadonlySet<string>): number
}

/** Children embedded in a parent's objects that v3 also lists across parents. */
export interface SimChildList<Switches = object> {
  /** The parent's field that holds them (`variants`). */
  field: string
  /** The list across parents (`/v3/catalog/variants`), filtered by `<parentKey>:in`. */
  path: string
  parentKey: string
  /** Whether `<parent path>/{id}/<field>` lists one parent's children. */
  perParent: boolean
  /** Whether the list ignores `<parentKey>:in` (a switch for an undocumented filter). */
  ignoresParentFilter?(settings: Switches): boolean
}

export interface SimResourceSpec<Name extends string = string, Switches = object> {
  name: Name
  /** `/v2/...` (bare arrays, 204 past the end, `/count`) or `/v3/...` (`{data, meta}`). */
  path: string
  /** Routes of its own instead of the generic ones (v2 orders: server/order-routes.ts). */
  bespokeRoutes?: boolean
  /** How its v3 list reads its query; default: no sort, id filters, one object by id. */
  v3?: SimV3Listing<Switches>
  /** The webhook type of one row (`category`). */
  singular: string
  /** Whether the store sends `store/<singular>/created|updated|deleted` for it. */
  events: boolean
  /** Whether a deletion sends `store/<singular>/deleted` (default: as `events` says). */
  deletedEvent?: boolean
  /** Events besides `updated` that an update sends (an order's status change). */
  updateEvents?(id: number, before: Fields, patch: Fields): Array<[string, Fields]>
  /** Whether rows carry date_modified, which lists then filter and sort by. */
  dated: boolean
  /** Whether objects carry date_created. */
  dateCreated: boolean
  /** How its dates are written: v2 in RFC 2822, v3 in ISO 8601 ending `Z` or `+00:00`. */
  dateFormat: 'rfc2822' | 'Z' | '+00:00'
  /** A change a merchant might make to a row (the demo's store makes them). */
  sampleEdit?(n: number): Fields
  children?: SimChildList<Switches>[]
  generate(ctx: GenerateContext, id: number): Fields
}
