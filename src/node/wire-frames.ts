// The frames of PostgreSQL's wire protocol a client sends to serve's PGLITE_PORT, checked before
// pglite-socket's handler parses them: that parser reads a length as a signed integer, and a
// negative one made it loop forever without yielding (README, "psql on the embedded database").
// A frame that cannot be right refuses its client; nothing else is touched.

/** PostgreSQL's own limit for a startup packet (MAX_STARTUP_PACKET_LENGTH in its source). */
export const MAX_STARTUP_BYTES = 10_000
/** Far above any statement a reader sends; a bigger one would only be held in memory. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024

const PROTOCOL_3 = 196_608
const SSL_REQUEST = 80_877_103
const GSSENC_REQUEST = 80_877_104
const CANCEL_REQUEST = 80_877_102

/**
 * The message types a frontend sends in protocol 3.0 (PostgreSQL ends a session on any other),
 * less 'p': PGlite asks for no password, and PGlite 0.5.14 never returns from a 'p' message.
 */
const FRONTEND_TYPES = new Set('BCcdDEfFHPQSX'.split('').map((c) => c.charCodeAt(0)))

export type Frame =
  /** The StartupMessage, passed on as is. */
  | { kind: 'startup'; bytes: Buffer }
  /** A typed message after startup, passed on as is. */
  | { kind: 'message'; bytes: Buffer }
  /** SSLRequest or GSSENCRequest: answered 'N' (no encryption on a local port). */
  | { kind: 'encryption-request' }
  /** CancelRequest: PGlite has no backend to signal; the connection closes. */
  | { kind: 'cancel' }

export interface FrameBatch {
  frames: Frame[]
  /** Why the client is refused: its stream cannot be framed past this point. */
  refused?: string
}

type Step =
  | { kind: 'frame'; frame: Frame; size: number }
  | { kind: 'incomplete'; need: number }
  | { kind: 'refused'; reason: string }

/** Splits one client's byte stream into checked frames, in order. */
export function createFrameReader(): { push(chunk: Uint8Array): FrameBatch } {
  let chunks: Buffer[] = []
  let held = 0
  let need = 4
  let started = false
  let refused: string | undefined
  return {
    push(chunk) {
      if (refused !== undefined) return { frames: [], refused }
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      held += chunk.byteLength
      const frames: Frame[] = []
      // A large message arrives in many chunks: join them once, when it is all there.
      if (held < need) return { frames }
      let pending = Buffer.concat(chunks, held)
      for (;;) {
        const step = started ? readMessage(pending) : readStartup(pending)
        if (step.kind === 'refused') {
          refused = step.reason
          chunks = []
          return { frames, refused }
        }
        if (step.kind === 'incomplete') {
          need = step.need
          break
        }
        frames.push(step.frame)
        pending = pending.subarray(step.size)
        if (step.frame.kind === 'startup') started = true
      }
      chunks = pending.length > 0 ? [pending] : []
      held = pending.length
      return { frames }
    },
  }
}

/** A frame before startup: length, then a code (a protocol version or a request). */
function readStartup(buffer: Buffer): Step {
  if (buffer.length < 4) return { kind: 'incomplete', need: 4 }
  const length = buffer.readInt32BE(0)
  if (length < 8 || length > MAX_STARTUP_BYTES) {
    return { kind: 'refused', reason: `invalid length of startup packet (${length})` }
  }
  if (buffer.length < 8) return { kind: 'incomplete', need: 8 }
  const code = buffer.readInt32BE(4)
  if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
    if (length !== 8) return { kind: 'refused', reason: 'invalid length of encryption request' }
    return { kind: 'frame', frame: { kind: 'encryption-request' }, size: 8 }
  }
  if (code === CANCEL_REQUEST) {
    if (length !== 16) return { kind: 'refused', reason: 'invalid length of cancel request' }
    if (buffer.length < 16) return { kind: 'incomplete', need: 16 }
    return { kind: 'frame', frame: { kind: 'cancel' }, size: 16 }
  }
  if (code !== PROTOCOL_3) {
    const version = `${code >>> 16}.${code & 0xffff}`
    return { kind: 'refused', reason: `unsupported frontend protocol ${version}` }
  }
  if (buffer.length < length) return { kind: 'incomplete', need: length }
  const startup = buffer.subarray(0, length)
  return { kind: 'frame', frame: { kind: 'startup', bytes: startup }, size: length }
}

/** A typed message: one type byte, then a length that counts itself but not the type. */
function readMessage(buffer: Buffer): Step {
  if (buffer.length < 1) return { kind: 'incomplete', need: 1 }
  const type = buffer[0] ?? 0
  if (!FRONTEND_TYPES.has(type)) {
    return { kind: 'refused', reason: `invalid frontend message type ${type}` }
  }
  if (buffer.length < 5) return { kind: 'incomplete', need: 5 }
  const length = buffer.readInt32BE(1)
  if (length < 4 || length > MAX_MESSAGE_BYTES) {
    return { kind: 'refused', reason: `invalid message length ${length}` }
  }
  const size = 1 + length
  if (buffer.length < size) return { kind: 'incomplete', need: size }
  return { kind: 'frame', frame: { kind: 'message', bytes: buffer.subarray(0, size) }, size }
}
