// PostgreSQL wire-protocol messages as a client sends them, for the psql port's tests.

/** A protocol 3.0 startup packet for `user` on database postgres. */
export function startupMessage(user: string): Buffer {
  const body = Buffer.from(`user\0${user}\0database\0postgres\0\0`, 'utf8')
  const frame = Buffer.alloc(8 + body.length)
  frame.writeInt32BE(frame.length, 0)
  frame.writeInt32BE(196_608, 4)
  body.copy(frame, 8)
  return frame
}

/** A typed message (`Q`, `P`, ...): its type byte, its length, then `body` (text as UTF-8). */
export function typedMessage(type: string, body: Uint8Array | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)
  const frame = Buffer.alloc(5 + bytes.length)
  frame.write(type, 0, 'latin1')
  frame.writeInt32BE(4 + bytes.length, 1)
  bytes.copy(frame, 5)
  return frame
}
