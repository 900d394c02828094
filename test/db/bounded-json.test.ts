// boundedJson, what rejected_rows keeps of an object: JSON.stringify's text when it fits the
// budget, else its first bytes and a marker with the whole size, never over the budget (property
// tests over any JSON value and any budget).
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { boundedJson, MAX_REJECTED_RAW_BYTES } from '../../src/db/bounded-json.ts'

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8')
const anyJson = fc.jsonValue({ maxDepth: 4 })
const anyText = fc.string({ unit: 'binary', maxLength: 300 })

it('a value that fits is JSON.stringify exactly, with its size', () => {
  fc.assert(
    fc.property(fc.oneof(anyJson, anyText, fc.array(anyText)), (value) => {
      const whole = JSON.stringify(value)
      expect(boundedJson(value, 1 << 20)).toEqual({ text: whole, bytes: utf8(whole), cut: false })
    }),
  )
})

it('a value over the budget keeps a prefix of its JSON and a marker with the whole size, within the budget', () => {
  fc.assert(
    fc.property(
      fc.oneof(anyJson, fc.array(anyText)),
      fc.integer({ min: 60, max: 400 }),
      (value, max) => {
        const whole = JSON.stringify(value)
        const bounded = boundedJson(value, max)
        expect(bounded.bytes).toBe(utf8(whole))
        expect(bounded.cut).toBe(utf8(whole) > max)
        expect(utf8(bounded.text)).toBeLessThanOrEqual(max)
        if (!bounded.cut) return
        const marker = `…[cut: ${utf8(whole)} bytes in all]`
        expect(bounded.text.endsWith(marker)).toBe(true)
        expect(whole.startsWith(bounded.text.slice(0, -marker.length))).toBe(true)
      },
    ),
  )
})

it('a 20 MiB object keeps 64 KiB', () => {
  const big = { id: 7, description: 'é'.repeat(10 * 1024 * 1024), tags: ['a', 'b'] }
  const bounded = boundedJson(big)
  expect(bounded).toMatchObject({ cut: true, bytes: utf8(JSON.stringify(big)) })
  expect(utf8(bounded.text)).toBeLessThanOrEqual(MAX_REJECTED_RAW_BYTES)
  expect(bounded.text.startsWith('{"id":7,"description":"ééé')).toBe(true)
  // 23 bytes before the text, 20 MiB of it, 19 after it.
  expect(bounded.text.endsWith('…[cut: 20971562 bytes in all]')).toBe(true)
})

it('a value JSON cannot express falls back to its String', () => {
  const cyclic: Record<string, unknown> = { id: 1 }
  cyclic.self = cyclic
  expect(boundedJson(cyclic)).toEqual({ text: '[object Object]', bytes: 15, cut: false })
  expect(boundedJson(undefined).text).toBe('undefined')
})
