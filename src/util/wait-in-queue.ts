// A place in a first-come, first-served queue of waiters, which an abort signal can give up.

/**
 * Waits in `queue` until its entry is called (whoever serves the queue shifts and calls it), then
 * resolves with `take()`. Rejects with the signal's reason, leaving the queue, when `signal`
 * aborts first.
 */
export function waitInQueue<T>(
  queue: Array<() => void>,
  take: () => T,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const start = () => {
      signal?.removeEventListener('abort', abort)
      resolve(take())
    }
    const abort = () => {
      const at = queue.indexOf(start)
      if (at >= 0) queue.splice(at, 1)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', abort, { once: true })
    queue.push(start)
  })
}
