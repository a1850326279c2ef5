// A simulated node's failure detector: what membership would report about each member it has
// heard, on that node's own clock. A member goes suspect suspectMs after its last heartbeat and
// dead deadMs after it; a fresh process (restart) starts with an empty view, as a real one does.
import type { MemberHealth } from '../../src/core/election/types.js'
import type { NodeId } from '../../src/core/types.js'

export interface DetectorTimings {
  suspectMs: number
  deadMs: number
}

/** Three and six gossip rounds (of 100 ms) of silence. */
export const SIM_DETECTOR: Readonly<DetectorTimings> = Object.freeze({ suspectMs: 300, deadMs: 600 })

export class SimMembership {
  private readonly heard = new Map<NodeId, { lastAt: number, aliveSince: number }>()

  constructor (private readonly timings: DetectorTimings) {}

  /** A heartbeat from `id` arrived at local time `now`. */
  heartbeat (id: NodeId, now: number): void {
    const m = this.heard.get(id)
    if (m === undefined) {
      this.heard.set(id, { lastAt: now, aliveSince: now })
      return
    }
    // Back from suspect or dead: alive again from now.
    if (now - m.lastAt >= this.timings.suspectMs) m.aliveSince = now
    m.lastAt = now
  }

  health (now: number): Map<NodeId, MemberHealth> {
    const out = new Map<NodeId, MemberHealth>()
    const { suspectMs, deadMs } = this.timings
    for (const [id, m] of this.heard) {
      const silent = now - m.lastAt
      if (silent < suspectMs) out.set(id, { state: 'alive', since: m.aliveSince })
      else if (silent < deadMs) out.set(id, { state: 'suspect', since: m.lastAt + suspectMs })
      else out.set(id, { state: 'dead', since: m.lastAt + deadMs })
    }
    return out
  }
}
