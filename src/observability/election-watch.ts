// Turns what the election says after each of its steps into timings: how long a failover took
// as this node saw it, and how long the master's lease renewals take. Pure: the caller passes
// the time and the election's view of the master.
import type { ElectionEvent, KnownMaster } from '../core/election/types.js'
import type { Millis, NodeId } from '../core/types.js'

export interface ElectionWatchOutput {
  /** Seconds from the last renewal seen from the previous master to a new master's lease. */
  failover: (seconds: number) => void
  /** Seconds from the start of this master's renewal round to the quorum that extended its lease. */
  renewed: (seconds: number) => void
  /** The master this node knows changed (null: none has a valid lease in its view). */
  masterChanged: (master: NodeId | null, epoch: number | null) => void
}

export class ElectionWatch {
  /** Campaigns this node started, campaigns it won, and leases it lost while master. */
  campaigns = 0
  won = 0
  leasesLost = 0
  private current: { id: NodeId, epoch: number, leaseEnd: Millis } | null = null
  /** The master seen last and when its lease last grew: where a failover starts. */
  private lastSeen: { id: NodeId, epoch: number, at: Millis } | null = null
  /** No master was known at some point since lastSeen. */
  private gap = false

  constructor (
    private readonly selfId: NodeId,
    private readonly lease: { leaseMs: number, maxDriftMs: number },
    private readonly out: ElectionWatchOutput
  ) {}

  /** After every election step: its events and the master it now knows. */
  update (now: Millis, master: KnownMaster | null, events: readonly ElectionEvent[]): void {
    for (const e of events) {
      if (e.type === 'campaign-started') this.campaigns++
      else if (e.type === 'elected') this.won++
      else if (e.type === 'lost-lease') this.leasesLost++
    }
    if (master === null) {
      if (this.current !== null) {
        this.current = null
        this.gap = true
        this.out.masterChanged(null, null)
      }
      return
    }
    const leaseEnd = now + master.leaseRemainingMs
    const cur = this.current
    if (cur === null || cur.id !== master.id || cur.epoch !== master.epoch) {
      const prev = this.lastSeen
      // Another node, or the same one re-elected after a gap; not a master raising its epoch in place.
      if (prev !== null && (prev.id !== master.id || (prev.epoch !== master.epoch && this.gap))) this.out.failover((now - prev.at) / 1000)
      this.gap = false
      this.current = { id: master.id, epoch: master.epoch, leaseEnd }
      this.lastSeen = { id: master.id, epoch: master.epoch, at: now }
      this.out.masterChanged(master.id, master.epoch)
      return
    }
    // Sub-millisecond moves are float noise in now + remaining, not a renewal.
    if (leaseEnd <= cur.leaseEnd + 0.5) return
    // The master's lease ends leaseMs - maxDriftMs after its round started: that gives the start.
    if (master.id === this.selfId) this.out.renewed(Math.max(0, now - (leaseEnd - this.lease.leaseMs + this.lease.maxDriftMs)) / 1000)
    cur.leaseEnd = leaseEnd
    if (this.lastSeen !== null) this.lastSeen.at = now
  }
}
