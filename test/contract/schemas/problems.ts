// A validator's complaints as short lines: where, and what is wrong.
import type { ErrorObject, ValidateFunction } from 'ajv'

/** Where and why `value` breaks the schema, or [] when it conforms. */
export function problemsOf(validate: ValidateFunction, value: unknown): string[] {
  if (validate(value)) return []
  return (validate.errors ?? []).map(
    (e: ErrorObject) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`,
  )
}
