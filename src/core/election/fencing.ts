// The fencing guard: the term is an epoch that every order carries, and a node refuses orders from
// any epoch older than the newest it knows of. Leases keep two masters from overlapping on their
// own clocks; the guard covers what leases cannot: a master paused between checking its lease and
// sending, or an order delayed in the network past the end of its master's lease.
import type { Epoch, NodeId } from '../types.js'

export type FenceCheck = { ok: true } | { ok: false, reason: string }

export class FencingGuard {
  private epoch: Epoch
  private master: NodeId | null

  constructor (epoch: Epoch = 0, master: NodeId | null = null) {
    this.epoch = epoch
    this.master = master
  }

  /** Highest epoch seen. */
  get highestEpoch (): Epoch {
    return this.epoch
  }

  /** Holder of the highest epoch, if known. */
  get masterOfHighest (): NodeId | null {
    return this.master
  }

  /** Learns that `epoch` exists, held by `master` if given. Never goes back; true if anything changed. */
  observe (epoch: Epoch, master: NodeId | null = null): boolean {
    if (epoch > this.epoch) {
      this.epoch = epoch
      this.master = master
      return true
    }
    // The first holder named for an epoch stays: two holders of one epoch would be an election bug,
    // and trusting the first keeps the guard deterministic.
    if (epoch === this.epoch && this.master === null && master !== null) {
      this.master = master
      return true
    }
    return false
  }

  /** Would an order at `epoch` from `from` be accepted? Changes nothing. */
  check (epoch: Epoch, from: NodeId): FenceCheck {
    if (epoch < this.epoch) {
      const holder = this.master === null ? '' : ` held by ${this.master}`
      return { ok: false, reason: `stale epoch ${epoch}: epoch ${this.epoch}${holder} is newer` }
    }
    if (epoch === this.epoch && this.master !== null && from !== this.master) {
      return { ok: false, reason: `epoch ${epoch} belongs to ${this.master}, not to ${from}` }
    }
    return { ok: true }
  }

  /** Checks an order and, if accepted, learns its epoch: an accepted order proves its sender held it. */
  admit (epoch: Epoch, from: NodeId): FenceCheck {
    const result = this.check(epoch, from)
    if (result.ok) this.observe(epoch, from)
    return result
  }
}
