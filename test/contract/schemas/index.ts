// Validators for the component schemas described in this folder (docs/bigcommerce-api.md,
// "Contract fixtures"), keyed by the roots the contract tests name.
import { Ajv, type ValidateFunction } from 'ajv'
import { components, type Departures } from './notation.ts'
import { orderSchemas } from './orders.ts'
import { productSchemas } from './products.ts'
import { storeSchemas } from './store.ts'

const anything = () => true
/** The specs' formats: the number ones are no constraint; dates are checked. */
const FORMATS = {
  int32: anything,
  int64: anything,
  double: anything,
  date: /^\d{4}-\d{2}-\d{2}$/,
  // ISO 8601 with a zone, as v3 answers carry them.
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/,
}

export type Root = keyof ReturnType<typeof buildRoots>

function buildRoots(mode: 'spec' | 'known', departures: Departures) {
  const built = components(mode, departures)
  const roots = { ...orderSchemas(built), ...storeSchemas(built), ...productSchemas(built) }
  const stale = built.unused()
  if (stale.length > 0) throw new Error(`departures name unknown components: ${stale.join(', ')}`)
  return roots
}

/**
 * One validator per root. `spec` closes objects only where the spec does; `known` closes every
 * object, so a field the spec does not name fails unless `departures` lists it.
 */
export function loadValidators(
  mode: 'spec' | 'known',
  departures: Departures = {},
): Record<Root, ValidateFunction> {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, formats: FORMATS })
  const roots = buildRoots(mode, departures)
  return Object.fromEntries(
    Object.entries(roots).map(([name, schema]) => [name, ajv.compile(schema)]),
  ) as Record<Root, ValidateFunction>
}
