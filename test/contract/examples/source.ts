// Where each contract example comes from: the spec file and component of bigcommerce/docs whose
// shape it follows. The values are the project's own (docs/bigcommerce-api.md, "Contract
// fixtures"): the specs have no licence, so nothing of theirs is copied here.

export const DOCS_COMMIT = '24f580ca6d2981728b7ed70a2049e00fc602c335'

export interface Source {
  repository: 'bigcommerce/docs'
  commit: string
  file: string
  component: string
}

export interface Example {
  name: string
  source: Source
  /** The request whose answer this is, as the readers know it (test/contract/read-examples.ts). */
  endpoint: string
  body: unknown
}

export const from = (file: string, component: string): Source => ({
  repository: 'bigcommerce/docs',
  commit: DOCS_COMMIT,
  file,
  component,
})

export const ORDERS_SPEC = 'reference/orders.v2.oas2.yml'
