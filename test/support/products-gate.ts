// A simulated store's `onRequest` that holds every products list until opened: a backfill that
// cannot end on its own, for tests of what goes on while one store is busy.
export function createProductsGate() {
  let open: () => void = () => {}
  const opened = new Promise<void>((resolve) => (open = resolve))
  let held = 0
  return {
    onRequest: async (request: { path: string; query: URLSearchParams }) => {
      if (!request.path.endsWith('/v3/catalog/products') || request.query.has('id:in')) return
      held += 1
      await opened
    },
    open,
    /** How many list requests are being held. */
    held: () => held,
  }
}
