// Reading parsed Prometheus text (`/metrics`) in tests: a family by name, a sample by labels.
import type { PrometheusFamily } from 'parse-prometheus-text-format'

/** The family called `name`; throws when `/metrics` has none. */
export const family = (families: PrometheusFamily[], name: string) => {
  const found = families.find((f) => f.name === name)
  if (!found) throw new Error(`no metric family ${name}`)
  return found
}

/** The value of `name`'s first sample carrying `labels`; undefined when none does. */
export const valueOf = (
  families: PrometheusFamily[],
  name: string,
  labels: Record<string, string> = {},
) => {
  const sample = family(families, name).metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  )
  return sample?.value === undefined ? undefined : Number(sample.value)
}
