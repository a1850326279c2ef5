// One round of lease requests (a campaign, or one renewal by the master): who granted, who
// refused and for how long, and whether a quorum is reached or out of reach.
import type { Epoch, Millis, NodeId } from '../types.js'
import type { LeaseRequest, VoterConfig } from './types.js'

export class LeaseRound {
  private readonly grants = new Set<NodeId>()
  /** Refusing voters and how long until they could grant (their promise or quarantine remaining). */
  private readonly refusals = new Map<NodeId, Millis>()
  private readonly askAgain = new Map<NodeId, Millis>()
  /** The lease this round gives has been taken: later grants only acknowledge its voter change. */
  counted = false

  constructor (
    /** Sent to every voter of the round (and again to refusers whose promise runs out). */
    readonly request: LeaseRequest,
    /** When the requests left, on the requester's clock: the lease is counted from here. */
    readonly startedAt: Millis,
    /** The committed set the lease is counted against, and its version. */
    private readonly voters: readonly NodeId[],
    readonly configVersion: number
  ) {}

  get reqId (): number {
    return this.request.reqId
  }

  get term (): Epoch {
    return this.request.term
  }

  /** The voter change in flight that this round's request carried, if any. */
  get carries (): VoterConfig | null {
    return this.request.config?.pending ?? null
  }

  get quorum (): number {
    return quorumOf(this.voters.length)
  }

  /**
   * Records one answer. A grant outweighs an earlier refusal (a duplicated request re-evaluated
   * later). `askAgainAt`: when a refuser's promise to another node runs out, so it could grant.
   */
  record (from: NodeId, granted: boolean, remainingMs: Millis, askAgainAt: Millis | null): void {
    if (!this.voters.includes(from)) return
    if (granted) {
      this.grants.add(from)
      this.refusals.delete(from)
      this.askAgain.delete(from)
    } else if (!this.grants.has(from)) {
      this.refusals.set(from, remainingMs)
      if (askAgainAt !== null) this.askAgain.set(from, askAgainAt)
    }
  }

  /** Asks `voter` again at `at` without counting its answer: it refused on news that is already stale. */
  askLater (voter: NodeId, at: Millis): void {
    if (!this.grants.has(voter)) this.askAgain.set(voter, at)
  }

  /** Refusers whose time to be asked again has come (each is returned once per refusal). */
  takeDueAsks (now: Millis): NodeId[] {
    const due: NodeId[] = []
    for (const [voter, at] of this.askAgain) {
      if (at <= now) {
        due.push(voter)
        this.askAgain.delete(voter)
      }
    }
    return due
  }

  hasQuorum (): boolean {
    return this.grants.size >= this.quorum
  }

  quorumOutOfReach (): boolean {
    return this.refusals.size > this.voters.length - this.quorum
  }

  /**
   * How long until enough voters could grant for a quorum, judging by what the refusers said
   * (voters that did not answer count as free now): a failed candidate waits this long.
   */
  waitHint (): Millis {
    const missing = this.quorum - this.grants.size
    if (missing <= 0) return 0
    const waits = this.voters
      .filter(v => !this.grants.has(v))
      .map(v => this.refusals.get(v) ?? 0)
      .sort((a, b) => a - b)
    return waits[missing - 1] ?? 0
  }
}

/** Majority of the voter set: floor(n/2) + 1. */
export function quorumOf (voterCount: number): number {
  return Math.floor(voterCount / 2) + 1
}
