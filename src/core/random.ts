import type { Rng } from './types.js'

/** mulberry32: tiny, fast, good enough for back-off jitter and simulations. */
export function seededRng (seed: number): Rng {
  let a = seed >>> 0
  return {
    next () {
      a = (a + 0x6D2B79F5) >>> 0
      let t = a
      t = Math.imul(t ^ (t >>> 15), t | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }
}

/** Uniform integer in [lo, hi]. */
export function randomInt (rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * (hi - lo + 1))
}
