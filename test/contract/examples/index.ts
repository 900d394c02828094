// Every contract example, by name (docs/bigcommerce-api.md, "Contract fixtures").
import { ORDER_EXAMPLES } from './orders.ts'
import type { Example } from './source.ts'
import { STORE_EXAMPLES } from './store.ts'

export const EXAMPLES: Example[] = [...ORDER_EXAMPLES, ...STORE_EXAMPLES]

export function exampleNamed(name: string): Example {
  const found = EXAMPLES.find((example) => example.name === name)
  if (!found) throw new Error(`no contract example ${name}`)
  return found
}
