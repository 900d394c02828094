// JSON text of an object, kept to a byte budget without building the whole text: what
// rejected_rows keeps of an object the mirror could not store (docs/reliability.md, "Rejected
// rows"). Past the budget the walk only counts bytes, so a 20 MiB object costs its walk, not a
// 20 MiB string.

/** The most of an object's JSON text rejected_rows keeps. */
export const MAX_REJECTED_RAW_BYTES = 64 * 1024

export interface BoundedJson {
  /** The JSON text, or its first bytes followed by a marker when it was cut. */
  text: string
  /** The size of the whole JSON text in UTF-8 bytes. */
  bytes: number
  cut: boolean
}

/** Strings are escaped in slices of this many characters, never whole. */
const SLICE = 4096

function utf8Bytes(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        i += 1
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}

/** Collects text up to the budget, then only counts. */
function createSink(budget: number) {
  const parts: string[] = []
  let kept = 0
  let bytes = 0
  let full = false
  return {
    add(piece: string) {
      const size = utf8Bytes(piece)
      bytes += size
      if (full) return
      if (kept + size <= budget) {
        parts.push(piece)
        kept += size
        return
      }
      full = true
      // Cut the piece at the budget, on a character boundary.
      let taken = 0
      let end = 0
      while (end < piece.length) {
        const step = piece.codePointAt(end) ?? 0
        const width = step > 0xffff ? 2 : 1
        const size = utf8Bytes(piece.slice(end, end + width))
        if (kept + taken + size > budget) break
        taken += size
        end += width
      }
      parts.push(piece.slice(0, end))
    },
    result: () => ({ text: parts.join(''), bytes, full }),
  }
}

type Sink = ReturnType<typeof createSink>

function writeString(sink: Sink, value: string): void {
  sink.add('"')
  for (let start = 0; start < value.length;) {
    let end = Math.min(value.length, start + SLICE)
    // Never split a surrogate pair: JSON.stringify escapes a lone half.
    const last = value.charCodeAt(end - 1)
    if (end < value.length && last >= 0xd800 && last <= 0xdbff) end -= 1
    sink.add(JSON.stringify(value.slice(start, end)).slice(1, -1))
    start = end
  }
  sink.add('"')
}

function writeValue(sink: Sink, value: unknown, seen: Set<object>): boolean {
  if (value && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function')
    value = value.toJSON()
  if (value === null) sink.add('null')
  else if (typeof value === 'string') writeString(sink, value)
  else if (typeof value === 'number') sink.add(Number.isFinite(value) ? String(value) : 'null')
  else if (typeof value === 'boolean') sink.add(String(value))
  else if (typeof value === 'bigint') throw new TypeError('BigInt value can not be serialized')
  else if (typeof value !== 'object') return false
  else {
    if (seen.has(value)) throw new TypeError('cyclic object value')
    seen.add(value)
    if (Array.isArray(value)) writeArray(sink, value, seen)
    else writeObject(sink, value, seen)
    seen.delete(value)
  }
  return true
}

function writeArray(sink: Sink, value: unknown[], seen: Set<object>): void {
  sink.add('[')
  value.forEach((item, index) => {
    if (index > 0) sink.add(',')
    if (!writeValue(sink, item, seen)) sink.add('null')
  })
  sink.add(']')
}

function writeObject(sink: Sink, value: object, seen: Set<object>): void {
  sink.add('{')
  let first = true
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue
    if (!first) sink.add(',')
    first = false
    writeString(sink, key)
    sink.add(':')
    writeValue(sink, item, seen)
  }
  sink.add('}')
}

/**
 * JSON.stringify(value) when its text fits in `maxBytes` (UTF-8); otherwise its first bytes and a
 * marker saying it was cut and how large it was, the whole within `maxBytes`. A value JSON cannot
 * express (a cycle, a BigInt) falls back to String(value), cut the same way.
 */
export function boundedJson(value: unknown, maxBytes = MAX_REJECTED_RAW_BYTES): BoundedJson {
  const marker = (bytes: number) => `…[cut: ${bytes} bytes in all]`
  const room = maxBytes - utf8Bytes(marker(Number.MAX_SAFE_INTEGER))
  let sink = createSink(maxBytes)
  try {
    if (!writeValue(sink, value, new Set())) sink.add(String(value))
  } catch {
    sink = createSink(maxBytes)
    sink.add(String(value))
  }
  const whole = sink.result()
  if (!whole.full) return { text: whole.text, bytes: whole.bytes, cut: false }
  const head = createSink(room)
  head.add(whole.text)
  return { text: head.result().text + marker(whole.bytes), bytes: whole.bytes, cut: true }
}
