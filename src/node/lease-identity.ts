// Who holds a lease, as a Node process: `host:pid:random`. On the same host a holder whose pid is
// gone (killed, crashed) is known dead, so its lease is taken over at once instead of after it
// expires; a holder on another host is trusted until its lease expires.
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'

export interface LeaseIdentity {
  holder: string
  isGone(holder: string): boolean
}

export function nodeLeaseIdentity(): LeaseIdentity {
  const host = hostname()
  return {
    holder: `${host}:${process.pid}:${randomUUID()}`,
    isGone(holder) {
      const [holderHost, pid] = holder.split(':')
      if (holderHost !== host || !pid || !/^\d+$/.test(pid)) return false
      try {
        process.kill(Number(pid), 0)
        return false
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'ESRCH'
      }
    },
  }
}
