// Seeded randomness for test data: a small fast generator, per-row seeds, and the draws the
// generators make with it.

/** mulberry32: small, fast and good enough for test data. Returns floats in [0, 1). */
export function createRng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Mix a seed with an id and a salt into a new 32-bit seed (so each row has its own stream). */
export function mixSeed(seed: number, id: number, salt: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0
  for (const part of [id, salt]) {
    h = Math.imul(h ^ part, 0x85ebca6b) >>> 0
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0
    h = (h ^ (h >>> 16)) >>> 0
  }
  return h
}

export const pickFrom = <T>(rng: () => number, list: readonly T[]): T =>
  list[Math.floor(rng() * list.length)] as T

/** Money as BigCommerce's v2 writes it: a string with 4 decimals. */
export const money = (value: number) => value.toFixed(4)

/** An integer in [min, max]. */
export const randomInt = (rng: () => number, min: number, max: number) =>
  min + Math.floor(rng() * (max - min + 1))
