// The simulated network between nodes: per-message loss, delay (with a slow tail that can exceed a
// lease, standing in for a sender paused between deciding and sending), duplication (so reordering
// too), and partitions, including one-way ones, that heal.
import type { NodeId, Rng } from '../../src/core/types.js'

export interface Weather {
  /** Probability that a message is lost. */
  lossRate: number
  /** Probability that a message is delivered twice (each copy with its own delay). */
  duplicateRate: number
  /** Probability that a message takes the slow path. */
  slowRate: number
  /** Delay of the normal path is uniform in [0.05, fastMaxMs]. */
  fastMaxMs: number
  /** Delay of the slow path is uniform in [fastMaxMs, slowMaxMs]. */
  slowMaxMs: number
}

export const CALM: Readonly<Weather> = Object.freeze({ lossRate: 0, duplicateRate: 0, slowRate: 0, fastMaxMs: 2, slowMaxMs: 2 })

export class SimNetwork {
  weather: Weather = { ...CALM }
  private readonly blocked = new Set<string>()

  constructor (private readonly rng: Rng) {}

  /** Splits the nodes into groups that cannot reach each other (in either direction). */
  partition (groups: readonly NodeId[][]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue
        for (const from of a) for (const to of b) this.blocked.add(`${from}>${to}`)
      }
    }
  }

  /** Messages from `from` no longer reach `to`; the other direction is untouched. */
  cut (from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}>${to}`)
  }

  heal (): void {
    this.blocked.clear()
  }

  canReach (from: NodeId, to: NodeId): boolean {
    return !this.blocked.has(`${from}>${to}`)
  }

  /** Delays after which the copies of one message sent now arrive: none when lost or blocked. */
  deliveries (from: NodeId, to: NodeId): number[] {
    if (!this.canReach(from, to)) return []
    const w = this.weather
    if (w.lossRate > 0 && this.rng.next() < w.lossRate) return []
    const copies = w.duplicateRate > 0 && this.rng.next() < w.duplicateRate ? 2 : 1
    const delays: number[] = []
    for (let i = 0; i < copies; i++) delays.push(this.delay())
    return delays
  }

  private delay (): number {
    const w = this.weather
    if (w.slowRate > 0 && this.rng.next() < w.slowRate) return w.fastMaxMs + this.rng.next() * (w.slowMaxMs - w.fastMaxMs)
    return 0.05 + this.rng.next() * (w.fastMaxMs - 0.05)
  }
}
