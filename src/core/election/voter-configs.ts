// What one node knows of the voter configuration, and, on the master, the change it drives: who
// has acknowledged it and when it is committed. The grant rule that makes this safe lives in
// election.ts (a candidate must be at least as up to date as the voter); the order in config.ts.
import type { Epoch, NodeId } from '../types.js'
import { applyChange, bootstrapKnowledge, copyKnowledge, mergeKnowledge } from './config.js'
import { quorumOf } from './round.js'
import type { ConfigKnowledge, ElectionEvent, VoterChange, VoterConfig } from './types.js'

export class VoterConfigs {
  private k: ConfigKnowledge | null
  /** Nodes that granted a round carrying our change in flight, at its own term: they persisted it. */
  private readonly acks = new Set<NodeId>()
  /** Why this node proposed the change in flight; null when it learned the change from another. */
  private reason: string | null = null
  /** The master renewed its lease through a quorum of the committed set, so it may propose again. */
  private settledOn: number | null = null

  constructor (private readonly emit: (e: ElectionEvent) => void, restored: ConfigKnowledge | null) {
    this.k = restored === null ? null : copyKnowledge(restored)
  }

  get knowledge (): ConfigKnowledge | null {
    return this.k
  }

  /** The committed voter set; null before bootstrap. */
  get voters (): NodeId[] | null {
    return this.k?.committed.voters ?? null
  }

  get pending (): VoterConfig | null {
    return this.k?.pending ?? null
  }

  /** Every node a round should ask: voters of the committed set and of the change in flight. */
  get everyone (): NodeId[] {
    if (this.k === null) return []
    return [...new Set([...this.k.committed.voters, ...(this.k.pending?.voters ?? [])])]
  }

  /** Bootstrap: the first set, agreed from proposals (version 0) or adopted from claims. */
  agree (voters: readonly NodeId[], version: number): void {
    this.k = bootstrapKnowledge(voters, version)
  }

  /** Learns what another node knows; true if anything changed (the caller persists it). */
  learn (theirs: ConfigKnowledge): boolean {
    if (this.k === null) return false
    const merged = mergeKnowledge(this.k, theirs)
    if (merged === null) return false
    this.replace(merged, null)
    return true
  }

  /** Master only: put `change` in flight at `term`. The caller has checked it may. */
  propose (change: VoterChange, term: Epoch): void {
    const k = this.k
    if (k === null || k.pending !== null) return
    const pending: VoterConfig = { version: k.committed.version + 1, term, voters: applyChange(k.committed.voters, change) }
    this.k = { committed: k.committed, pending }
    this.acks.clear()
    this.reason = change.reason
    this.emit({ type: 'config-proposed', version: pending.version, change: change.op, voter: change.voter, reason: change.reason })
  }

  /**
   * A master re-proposes the change in flight at its own term before counting acknowledgements:
   * like Raft, it only commits entries of its current term (an older one could be overridden).
   */
  restamp (term: Epoch): boolean {
    const k = this.k
    if (k === null || k.pending === null || k.pending.term >= term) return false
    this.k = { committed: k.committed, pending: { ...k.pending, term } }
    this.acks.clear()
    return true
  }

  /**
   * `from` granted a round at `roundTerm` that carried `carried`. Commits the change in flight
   * once quorums of both the committed and the proposed set hold it; true when it did.
   */
  recordAck (from: NodeId, carried: VoterConfig | null, roundTerm: Epoch): boolean {
    const k = this.k
    const p = k?.pending ?? null
    if (k === null || p === null || carried === null) return false
    if (carried.version !== p.version || carried.term !== p.term || roundTerm !== p.term) return false
    this.acks.add(from)
    if (!this.heldByQuorum(k.committed.voters) || !this.heldByQuorum(p.voters)) return false
    this.replace({ committed: p, pending: null }, this.reason)
    return true
  }

  /** A lease round counted against the set of `version` succeeded. */
  renewedWith (version: number): void {
    if (version === this.k?.committed.version) this.settledOn = version
  }

  /** May a master propose a change now: nothing in flight, and its lease renewed by the committed set. */
  get readyForChange (): boolean {
    return this.k !== null && this.k.pending === null && this.settledOn === this.k.committed.version
  }

  private heldByQuorum (voters: readonly NodeId[]): boolean {
    let held = 0
    for (const v of voters) if (this.acks.has(v)) held++
    return held >= quorumOf(voters.length)
  }

  private replace (next: ConfigKnowledge, reason: string | null): void {
    const before = this.k
    this.k = next
    const pendingChanged = before?.pending?.version !== next.pending?.version || before?.pending?.term !== next.pending?.term
    if (pendingChanged) {
      this.acks.clear()
      this.reason = null
    }
    if (before === null || before.committed.version === next.committed.version) return
    const { version, voters } = next.committed
    for (const id of voters) {
      if (!before.committed.voters.includes(id)) this.emit({ type: 'voter-added', voter: id, configVersion: version, voters: [...voters] })
    }
    for (const id of before.committed.voters) {
      if (!voters.includes(id)) {
        this.emit({ type: 'voter-removed', voter: id, configVersion: version, voters: [...voters], reason: reason ?? `not in voter set ${version} committed by the master` })
      }
    }
  }
}
