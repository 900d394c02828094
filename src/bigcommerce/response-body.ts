// Reading an answer's body under a size cap, so one huge answer cannot exhaust memory.

/**
 * The body as JSON (null for 204 and empty bodies), counted while it streams in: an answer over
 * `limit` is refused at that point, never buffered whole.
 */
export async function readBody(
  response: Response,
  limit: number,
  refuse: () => Error,
): Promise<unknown> {
  if (response.status === 204) return null
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) {
    await response.body?.cancel().catch(() => {})
    throw refuse()
  }
  if (!response.body) return null
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw refuse()
    }
    chunks.push(value)
  }
  const text = new TextDecoder().decode(concatChunks(chunks, size))
  if (text.trim() === '') return null
  return JSON.parse(text)
}

function concatChunks(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0]
  const all = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    all.set(chunk, offset)
    offset += chunk.byteLength
  }
  return all
}
