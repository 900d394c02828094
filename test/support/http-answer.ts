// Reading HTTP/1.1 answers off a raw socket, for the tests and the load generator that write
// their requests by hand.

/** Where the answer in `text` ends (by Content-Length, or chunked), or -1 while it is incomplete. */
export function answerEnd(text: string): number {
  const headEnd = text.indexOf('\r\n\r\n')
  if (headEnd < 0) return -1
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd))
  if (length) {
    const end = headEnd + 4 + Number(length[1])
    return text.length >= end ? end : -1
  }
  const last = text.indexOf('0\r\n\r\n', headEnd + 4)
  return last < 0 ? -1 : last + 5
}
