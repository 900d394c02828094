// A compact notation for the component schemas of BigCommerce's published specs, written by hand
// from what they say (docs/bigcommerce-api.md, "Contract fixtures"), and built into JSON Schema
// for ajv. `'int'`, `'num'`, `'str'`, `'bool'`, `'any'`, `'date-time'`; a trailing `?` is nullable.

export type JsonSchema = Record<string, unknown>
export type Shape = string | JsonSchema

const TOKENS: Record<string, JsonSchema> = {
  int: { type: 'integer' },
  num: { type: 'number' },
  str: { type: 'string' },
  bool: { type: 'boolean' },
  any: {},
  'date-time': { type: 'string', format: 'date-time' },
}

export const nullable = (shape: Shape): JsonSchema => ({
  anyOf: [schemaOf(shape), { type: 'null' }],
})

/** One shape as JSON Schema. */
export function schemaOf(shape: Shape): JsonSchema {
  if (typeof shape !== 'string') return shape
  if (shape.endsWith('?')) return nullable(shape.slice(0, -1))
  const known = TOKENS[shape]
  if (!known) throw new Error(`unknown shape token ${shape}`)
  return known
}

export const list = (item: Shape, maxItems?: number): JsonSchema =>
  maxItems === undefined
    ? { type: 'array', items: schemaOf(item) }
    : { type: 'array', items: schemaOf(item), maxItems }

export const either = (...shapes: Shape[]): JsonSchema => ({ anyOf: shapes.map(schemaOf) })

export const values = (...allowed: Array<string | number>): JsonSchema => ({ enum: allowed })

export interface ObjectOptions {
  /** The spec says `additionalProperties: false`. */
  closed?: boolean
  required?: string[]
}

/**
 * Builds object schemas. In `spec` mode an object is closed only where the spec says so; in
 * `known` mode every object is closed, so a field the spec never names fails until it is listed
 * as a known departure (test/contract/sim-schemas.test.ts).
 */
export function objects(mode: 'spec' | 'known') {
  return (properties: Record<string, Shape>, options: ObjectOptions = {}): JsonSchema => {
    const out: JsonSchema = {
      type: 'object',
      properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, schemaOf(v)])),
    }
    if (options.closed || mode === 'known') out.additionalProperties = false
    if (options.required) out.required = options.required
    return out
  }
}

/** What a component also accepts beyond the spec, keyed by component, then property. */
export type Departures = Record<string, Record<string, Shape>>

/**
 * `component(name, properties, options)`: an object schema named after the spec's component, with
 * its departures applied. `unused()` names departures of components never built (stale entries).
 */
export function components(mode: 'spec' | 'known', departures: Departures = {}) {
  const object = objects(mode)
  const built = new Set<string>()
  const component = (name: string, properties: Record<string, Shape>, options?: ObjectOptions) => {
    built.add(name)
    let schema = object(properties, options)
    for (const [prop, extra] of Object.entries(departures[name] ?? {})) {
      schema = allowing(schema, prop, extra)
    }
    return schema
  }
  return { component, object, unused: () => Object.keys(departures).filter((n) => !built.has(n)) }
}

export type Components = ReturnType<typeof components>

/** `schema` whose property `name` also accepts `extra` (added when the schema lacks it). */
export function allowing(schema: JsonSchema, name: string, extra: Shape): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
  const declared = properties[name]
  const widened = declared ? { anyOf: [declared, schemaOf(extra)] } : schemaOf(extra)
  return { ...schema, properties: { ...properties, [name]: widened } }
}
