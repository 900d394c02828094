// The in-memory state of the simulated store: rows per resource, a clock that tests can freeze and
// advance (BigCommerce timestamps have whole seconds, so tests need same-second ties on demand),
// mutations that bump date_modified as BigCommerce does, and rendering of rows in each API's
// format. Mutations report webhook events to a listener; the server turns them into deliveries.
import {
  FIELD_GENERATORS,
  generateTimeline,
  type GenerateContext,
  type SimRecord,
  type SimResourceName,
  type TimelineOptions,
} from './generate.ts'
import {
  applyDiscount,
  generateOrderChildren,
  makeCoupon,
  makeLine,
  removeDiscount,
  renderConsignments,
  type ConsignmentIdMode,
  type ConsignmentKind,
  type SimOrderChildren,
} from './order-children.ts'

export interface SimClock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Freeze the clock at this instant. */
  set(at: Date | number): void
  /** Move a frozen clock forward (or freeze it at real time + ms). */
  advance(ms: number): void
  useRealTime(): void
}

export function createSimClock(start?: Date | number): SimClock {
  let frozen: number | null = start === undefined ? null : Number(start)
  return {
    now: () => frozen ?? Date.now(),
    set(at) {
      frozen = Number(at)
    },
    advance(ms) {
      frozen = (frozen ?? Date.now()) + ms
    },
    useRealTime() {
      frozen = null
    },
  }
}

export interface SimDataOptions {
  seed?: number
  counts?: Partial<Record<SimResourceName, number>>
  /** Range of creation times for generated rows; default the last 365 days before the clock. */
  from?: Date
  to?: Date
  modifiedShare?: number
  bulkImport?: { at: Date; share: number }
}

export interface SimEvent {
  scope: string
  data: Record<string, unknown>
}

export type Fields = Record<string, unknown>

const RESOURCE_NAMES: SimResourceName[] = ['coupons', 'customers', 'orders', 'products']

/** v2: RFC 2822 in UTC with `+0000`, as BigCommerce writes it. */
export function formatRfc2822(seconds: number): string {
  return new Date(seconds * 1000).toUTCString().replace('GMT', '+0000')
}

/** v3 products write `+00:00`, v3 customers write `Z`; both whole seconds. */
export function formatIso(seconds: number, zone: 'Z' | '+00:00'): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, zone)
}

interface Table {
  byId: Map<number, SimRecord>
  /** Ascending id; rebuilt lazily after creates with out-of-order ids or deletes. */
  idOrder: SimRecord[] | null
  /** Ascending (modified, id); rebuilt lazily after any mutation. */
  modifiedOrder: SimRecord[] | null
  nextId: number
}

export function createSimState(
  options: {
    data?: SimDataOptions
    clock?: SimClock
    variantEditsBumpProduct?: boolean
    /** Keep each row's JSON once rendered (fast big benchmarks; costs memory per row). */
    cacheRendered?: boolean
  } = {},
) {
  const clock = options.clock ?? createSimClock()
  const data = options.data ?? {}
  const seed = data.seed ?? 1
  const context: GenerateContext = {
    seed,
    storeUrl: 'https://api.bigcommerce.com/stores/sim',
    customerCount: data.counts?.customers ?? 0,
  }
  const variantEditsBumpProduct = options.variantEditsBumpProduct ?? true
  let listener: (event: SimEvent) => void = () => {}

  const tables = {} as Record<SimResourceName, Table>
  RESOURCE_NAMES.forEach((name, index) => {
    const count = data.counts?.[name] ?? 0
    const to = data.to ?? new Date(clock.now())
    const timeline: TimelineOptions = {
      count,
      seed: seed + index,
      from: data.from ?? new Date(to.getTime() - 365 * 86_400_000),
      to,
      modifiedShare: data.modifiedShare,
      bulkImport: data.bulkImport,
    }
    const records = generateTimeline(timeline)
    tables[name] = {
      byId: new Map(records.map((r) => [r.id, r])),
      idOrder: records,
      modifiedOrder: null,
      nextId: count + 1,
    }
  })

  // Switches for answers a real store can give (bigcommerce-api.md 9), keyed `${name}:${id}`.
  /** Reads by id left to answer "not found" although the row exists (no read-after-write). */
  const hidden = new Map<string, number>()
  /** A read by this id answers with another row (a hostile or broken proxy). */
  const aliases = new Map<string, number>()
  /** Rewrites a row as rendered: no id, no date_modified, a far-future date, ... */
  const corruptions = new Map<string, (rendered: Fields) => Fields>()

  const nowSeconds = () => Math.floor(clock.now() / 1000)
  const table = (name: SimResourceName) => tables[name]
  // resource → shape key (which includes and fields) → id → JSON text
  const renderCache = new Map<string, Map<number, string>>()
  const forget = (name: SimResourceName, id: number) => {
    for (const [key, rows] of renderCache) if (key.startsWith(`${name}|`)) rows.delete(id)
  }

  function invalidate(name: SimResourceName, idOrderToo: boolean) {
    const t = table(name)
    t.modifiedOrder = null
    if (idOrderToo) t.idOrder = null
  }

  function fieldsOf(name: SimResourceName, record: SimRecord): Fields {
    return record.fields ?? FIELD_GENERATORS[name](context, record.id)
  }

  function materialise(name: SimResourceName, record: SimRecord): Fields {
    // Whoever materialises is about to change the row.
    forget(name, record.id)
    if (!record.fields) record.fields = { ...FIELD_GENERATORS[name](context, record.id) }
    return record.fields
  }

  function requireRecord(name: SimResourceName, id: number): SimRecord {
    const record = table(name).byId.get(id)
    if (!record) throw new Error(`sim: no ${name} with id ${id}`)
    return record
  }

  function touch(name: SimResourceName, record: SimRecord) {
    if (name !== 'coupons') record.modified = nowSeconds()
    invalidate(name, false)
  }

  const emit = (scope: string, eventData: Record<string, unknown>) =>
    listener({ scope, data: eventData })
  const singular: Record<SimResourceName, string> = {
    coupons: 'coupon',
    customers: 'customer',
    orders: 'order',
    products: 'product',
  }
  const emits = (name: SimResourceName) => name !== 'coupons'

  // Children of orders that a mutation changed; the others are generated on demand.
  const orderChildren = new Map<number, SimOrderChildren>()
  const childrenOf = (id: number): SimOrderChildren => {
    const held = orderChildren.get(id)
    if (held) return held
    const record = requireRecord('orders', id)
    return generateOrderChildren(context, id, Number(fieldsOf('orders', record).coupon_discount))
  }
  /** Changes an order's children, then bumps its date_modified and says so, as the store does. */
  function editChildren<T>(orderId: number, change: (children: SimOrderChildren) => T): T {
    const record = requireRecord('orders', orderId)
    const children = childrenOf(orderId)
    orderChildren.set(orderId, children)
    const result = change(children)
    const fields = materialise('orders', record)
    fields.items_total = children.lines.reduce((n, l) => n + Number(l.item.quantity), 0)
    const discount = children.coupons.reduce((n, c) => n + Number(c.discount), 0)
    fields.coupon_discount = discount.toFixed(4)
    touch('orders', record)
    emit('store/order/updated', { type: 'order', id: orderId })
    return result
  }
  const lineOf = (children: SimOrderChildren, lineId: number) => {
    const line = children.lines.find((l) => l.item.id === lineId)
    if (!line) throw new Error(`sim: no line item ${lineId}`)
    return line
  }

  return {
    clock,
    context,
    setStoreUrl(url: string) {
      context.storeUrl = url
    },
    onEvent(fn: (event: SimEvent) => void) {
      listener = fn
    },

    count: (name: SimResourceName) => table(name).byId.size,
    get: (name: SimResourceName, id: number) => table(name).byId.get(id),
    fieldsOf,

    /** Rows by ascending id. */
    byId(name: SimResourceName): SimRecord[] {
      const t = table(name)
      if (!t.idOrder) t.idOrder = [...t.byId.values()].sort((a, b) => a.id - b.id)
      return t.idOrder
    },

    /** Rows by ascending (date_modified, id). */
    byModified(name: SimResourceName): SimRecord[] {
      const t = table(name)
      if (!t.modifiedOrder) {
        t.modifiedOrder = [...t.byId.values()].sort(
          (a, b) => a.modified - b.modified || a.id - b.id,
        )
      }
      return t.modifiedOrder
    },

    /** Create a row (generated fields overridden by `fields`); returns its id. */
    create(name: SimResourceName, fields: Fields = {}): number {
      const t = table(name)
      const id = typeof fields.id === 'number' ? fields.id : t.nextId
      t.nextId = Math.max(t.nextId, id + 1)
      const now = nowSeconds()
      const { id: _ignored, ...rest } = fields
      const record: SimRecord = {
        id,
        created: now,
        modified: now,
        fields: { ...FIELD_GENERATORS[name](context, id), ...rest },
      }
      const isAppend = t.idOrder !== null && (t.idOrder.at(-1)?.id ?? 0) < id
      t.byId.set(id, record)
      if (isAppend && t.idOrder) t.idOrder.push(record)
      else t.idOrder = null
      t.modifiedOrder = null
      if (emits(name)) emit(`store/${singular[name]}/created`, { type: singular[name], id })
      return id
    },

    /** Change fields and bump date_modified. */
    update(name: SimResourceName, id: number, patch: Fields) {
      const record = requireRecord(name, id)
      const fields = materialise(name, record)
      const previousStatus = fields.status_id
      Object.assign(fields, patch)
      touch(name, record)
      if (!emits(name)) return
      emit(`store/${singular[name]}/updated`, { type: singular[name], id })
      if (name === 'orders' && 'status_id' in patch && patch.status_id !== previousStatus) {
        emit('store/order/statusUpdated', {
          type: 'order',
          id,
          status: { previous_status_id: previousStatus, new_status_id: patch.status_id },
        })
      }
    },

    /** An order's line items, addresses, consignments and coupons as the store holds them now. */
    orderChildren: (orderId: number) => childrenOf(orderId),

    /** An order as `include=consignments.line_items&consignment_structure=object` returns it. */
    renderOrderWithConsignments(record: SimRecord, idMode: ConsignmentIdMode = 'address'): Fields {
      const full = this.render('orders', record)
      const children = childrenOf(record.id)
      full.consignments = renderConsignments(children, context.storeUrl, {
        lineItems: true,
        idMode,
      })
      return full
    },

    /** Sets a line item's quantity (and its totals). */
    editLineQuantity(orderId: number, lineId: number, quantity: number) {
      editChildren(orderId, (children) => {
        const item = lineOf(children, lineId).item
        const price = Number(item.price_ex_tax)
        Object.assign(item, {
          quantity,
          base_total: (price * quantity).toFixed(4),
          total_ex_tax: (price * quantity).toFixed(4),
          total_inc_tax: (price * quantity * 1.0825).toFixed(4),
        })
      })
    },

    removeLine(orderId: number, lineId: number) {
      editChildren(orderId, (children) => {
        children.lines = children.lines.filter((l) => l.item !== lineOf(children, lineId).item)
      })
    },

    /** Adds a line item to a consignment (default: the first shipping one); returns its id. */
    addLine(orderId: number, where: { kind?: ConsignmentKind; slot?: number } = {}): number {
      return editChildren(orderId, (children) => {
        const kind = where.kind ?? (children.addresses.length > 0 ? 'shipping' : 'pickup')
        const slot = where.slot ?? 0
        const addressId = kind === 'shipping' ? Number(children.addresses[slot]?.id ?? 0) : 0
        const id = children.nextLineId++
        const rng = () => ((id * 2654435761) >>> 0) / 4294967296
        children.lines.push({ kind, slot, item: makeLine(orderId, id, rng, kind, addressId) })
        return id
      })
    },

    /** Applies a coupon; returns the applied coupon's id (not the coupon's own coupon_id). */
    addCoupon(orderId: number, coupon: { code: string; discount: number; type?: number }): number {
      return editChildren(orderId, (children) => {
        const id = Math.max(orderId * 10, ...children.coupons.map((c) => Number(c.id))) + 1
        children.coupons.push(
          makeCoupon(orderId, id, coupon.code, coupon.discount, coupon.type ?? 2),
        )
        applyDiscount(children, coupon.code, coupon.discount)
        return id
      })
    },

    removeCoupon(orderId: number, appliedId: number) {
      editChildren(orderId, (children) => {
        const gone = children.coupons.find((c) => c.id === appliedId)
        if (!gone) throw new Error(`sim: order ${orderId} has no applied coupon ${appliedId}`)
        children.coupons = children.coupons.filter((c) => c !== gone)
        removeDiscount(children, String(gone.code))
      })
    },

    delete(name: SimResourceName, id: number): boolean {
      const t = table(name)
      if (!t.byId.delete(id)) return false
      if (name === 'orders') orderChildren.delete(id)
      forget(name, id)
      invalidate(name, true)
      // BigCommerce documents no order-deleted event (orders are archived); the others have one.
      if (name === 'products' || name === 'customers') {
        emit(`store/${singular[name]}/deleted`, { type: singular[name], id })
      }
      return true
    },

    /** Archive an order: is_deleted true and a new date_modified, like the control panel does. */
    archiveOrder(id: number) {
      const record = requireRecord('orders', id)
      materialise('orders', record).is_deleted = true
      touch('orders', record)
      emit('store/order/archived', { type: 'order', id })
    },

    /** Edit one variant (a SKU); whether the product's date_modified moves is a store option. */
    updateVariant(productId: number, variantId: number, patch: Fields) {
      const record = requireRecord('products', productId)
      const variants = materialise('products', record).variants
      const variant = Array.isArray(variants)
        ? variants.find((v: { id?: unknown }) => v.id === variantId)
        : undefined
      if (!variant) throw new Error(`sim: product ${productId} has no variant ${variantId}`)
      Object.assign(variant, patch)
      if (variantEditsBumpProduct) touch('products', record)
      emit('store/sku/updated', {
        type: 'sku',
        id: variantId,
        sku: { product_id: productId, variant_id: variantId },
      })
    },

    /** Edit one address of a customer; bumps the customer's date_modified. */
    updateAddress(customerId: number, addressId: number, patch: Fields) {
      const record = requireRecord('customers', customerId)
      const addresses = materialise('customers', record).addresses
      const address = Array.isArray(addresses)
        ? addresses.find((a: { id?: unknown }) => a.id === addressId)
        : undefined
      if (!address) throw new Error(`sim: customer ${customerId} has no address ${addressId}`)
      Object.assign(address, patch)
      touch('customers', record)
      emit('store/customer/address/updated', {
        type: 'customer',
        id: addressId,
        address: { customer_id: customerId },
      })
    },

    /** The next `times` reads of this id (GET by id, `id:in`) answer as if it did not exist. */
    hideById(name: SimResourceName, id: number, times: number) {
      hidden.set(`${name}:${id}`, times)
    },

    /** Reads of `askedId` by id answer with the row `servedId` instead (null: stop). */
    answerAs(name: SimResourceName, askedId: number, servedId: number | null) {
      if (servedId === null) aliases.delete(`${name}:${askedId}`)
      else aliases.set(`${name}:${askedId}`, servedId)
    },

    /** Every rendering of this row goes through `fn` (null: stop); lists and reads by id alike. */
    corrupt(name: SimResourceName, id: number, fn: ((rendered: Fields) => Fields) | null) {
      forget(name, id)
      if (fn === null) corruptions.delete(`${name}:${id}`)
      else corruptions.set(`${name}:${id}`, fn)
    },

    /** The row a read by id answers with: undefined while hidden, another row while aliased. */
    readById(name: SimResourceName, id: number): SimRecord | undefined {
      const key = `${name}:${id}`
      const left = hidden.get(key) ?? 0
      if (left > 0) {
        hidden.set(key, left - 1)
        return undefined
      }
      return table(name).byId.get(aliases.get(key) ?? id)
    },

    /** JSON text of `shape(render(...))`, cached per shape key when cacheRendered is on. */
    renderJson(
      name: SimResourceName,
      record: SimRecord,
      shapeKey: string,
      shape: (full: Fields) => Fields,
    ): string {
      if (!options.cacheRendered) return JSON.stringify(shape(this.render(name, record)))
      const key = `${name}|${shapeKey}`
      let rows = renderCache.get(key)
      if (!rows) {
        rows = new Map()
        renderCache.set(key, rows)
      }
      let json = rows.get(record.id)
      if (json === undefined) {
        json = JSON.stringify(shape(this.render(name, record)))
        rows.set(record.id, json)
      }
      return json
    },

    /** The row as v2 / v3 returns it (all includes present; the server trims them). */
    render(name: SimResourceName, record: SimRecord): Fields {
      const rendered = this.renderClean(name, record)
      const fix = corruptions.get(`${name}:${record.id}`)
      return fix ? fix(rendered) : rendered
    },

    renderClean(name: SimResourceName, record: SimRecord): Fields {
      const fields = fieldsOf(name, record)
      switch (name) {
        case 'orders':
          return {
            id: record.id,
            ...fields,
            date_created: formatRfc2822(record.created),
            date_modified: formatRfc2822(record.modified),
          }
        case 'coupons':
          return { id: record.id, ...fields, date_created: formatRfc2822(record.created) }
        case 'products':
          return {
            id: record.id,
            ...fields,
            date_created: formatIso(record.created, '+00:00'),
            date_modified: formatIso(record.modified, '+00:00'),
          }
        case 'customers':
          return {
            id: record.id,
            ...fields,
            date_created: formatIso(record.created, 'Z'),
            date_modified: formatIso(record.modified, 'Z'),
          }
      }
    },
  }
}

export type SimState = ReturnType<typeof createSimState>
