// The frame check in front of pglite-socket's handler (src/node/wire-frames.ts): valid streams pass
// whole and in order however they are cut; a length that cannot be right refuses the client.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createFrameReader,
  MAX_MESSAGE_BYTES,
  MAX_STARTUP_BYTES,
  type Frame,
} from '../../src/node/wire-frames.ts'
import { startupMessage, typedMessage } from '../support/wire-messages.ts'

const sslRequest = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])

function feed(chunks: Uint8Array[]) {
  const reader = createFrameReader()
  const frames: Frame[] = []
  let refused: string | undefined
  for (const chunk of chunks) {
    const batch = reader.push(chunk)
    frames.push(...batch.frames)
    refused ??= batch.refused
  }
  return { frames, refused }
}

/** Cuts `bytes` at the given offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let from = 0
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point))
    from = point
  }
  return chunks
}

const bytesOf = (frames: Frame[]) =>
  frames.map((f) => ('bytes' in f ? `${f.kind}:${f.bytes.toString('hex')}` : f.kind))

describe('the PGLITE_PORT frame check', () => {
  it('refuses the four bytes that made pglite-socket loop forever, whatever follows', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
        const bytes = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xf0]), tail])
        const { frames, refused } = feed([bytes])
        expect(frames).toEqual([])
        expect(refused).toBe('invalid length of startup packet (-16)')
      }),
    )
    // The same bytes as a typed message after a valid startup.
    const after = feed([startupMessage('u'), Buffer.from([0x51, 0xff, 0xff, 0xff, 0xf0, 0])])
    expect(after.frames.map((f) => f.kind)).toEqual(['startup'])
    expect(after.refused).toBe('invalid message length -16')
  })

  it('passes a valid stream whole and in order, however it is cut into chunks', () => {
    const body = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b))
    const typed = fc.tuple(fc.constantFrom('P', 'B', 'E', 'S', 'Q', 'D', 'H', 'd'), body)
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(typed, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (ssl, messages, offsets) => {
          const parts = [
            ...(ssl ? [sslRequest] : []),
            startupMessage('reader'),
            ...messages.map(([type, b]) => typedMessage(type, b)),
          ]
          const { frames, refused } = feed(cut(Buffer.concat(parts), offsets))
          expect(refused).toBeUndefined()
          const expected = [
            ...(ssl ? ['encryption-request'] : []),
            `startup:${startupMessage('reader').toString('hex')}`,
            ...messages.map(([type, b]) => `message:${typedMessage(type, b).toString('hex')}`),
          ]
          expect(bytesOf(frames)).toEqual(expected)
        },
      ),
    )
  })

  it('never passes a frame with a length below 4 or above the bound, for any bytes', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (started, noise, offsets) => {
          const bytes = Buffer.concat([started ? startupMessage('x') : Buffer.alloc(0), noise])
          const { frames } = feed(cut(bytes, offsets))
          for (const frame of frames) {
            if (frame.kind === 'message') {
              const length = frame.bytes.readInt32BE(1)
              expect(length).toBeGreaterThanOrEqual(4)
              expect(frame.bytes.length).toBe(1 + length)
            }
            if (frame.kind === 'startup') {
              expect(frame.bytes.length).toBe(frame.bytes.readInt32BE(0))
              expect(frame.bytes.length).toBeLessThanOrEqual(MAX_STARTUP_BYTES)
            }
          }
        },
      ),
    )
  })

  it('refuses lengths that cannot be right, before their bytes arrive', () => {
    const started = startupMessage('u')
    const cases: Array<[Buffer, string]> = [
      [Buffer.from([0, 0, 0, 3]), 'invalid length of startup packet (3)'],
      [Buffer.from([0, 0, 0x27, 0x11]), 'invalid length of startup packet (10001)'],
      [Buffer.from([0, 0, 0, 8, 0, 2, 0, 0]), 'unsupported frontend protocol 2.0'],
      [Buffer.concat([started, Buffer.from('S\0\0\0\x03')]), 'invalid message length 3'],
      [Buffer.concat([started, Buffer.from('Z\0\0\0\x04')]), 'invalid frontend message type 90'],
    ]
    for (const [bytes, reason] of cases) expect(feed([bytes]).refused).toBe(reason)
    const huge = Buffer.alloc(5)
    huge.write('Q')
    huge.writeInt32BE(MAX_MESSAGE_BYTES + 1, 1)
    expect(feed([started, huge]).refused).toBe(`invalid message length ${MAX_MESSAGE_BYTES + 1}`)
  })
})
