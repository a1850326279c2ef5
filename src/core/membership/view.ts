// The local view of cluster membership: a failure detector fed by authenticated gossip.
// Pure and deterministic: time arrives as `now`, nothing here reads a clock.
import type { Millis, NodeId } from '../types.js'
import { compareOrder, freezeHeartbeat, type FrozenHeartbeat, type Heartbeat, type Leave } from './heartbeat.js'
import type { DeadReason, MemberState, MembershipEvent } from './events.js'
import { changedFields } from './changes.js'
import { validateMembershipParams, type MembershipParams } from './params.js'

export type RejectReason = 'forged' | 'stale' | 'duplicate' | 'self'

export type HeartbeatOutcome =
  | { accepted: true, events: MembershipEvent[] }
  | { accepted: false, reason: RejectReason }

/** A leave from a member we never heard of carries nothing to record, so it is 'unknown'. */
export type LeaveOutcome =
  | { accepted: true, events: MembershipEvent[] }
  | { accepted: false, reason: RejectReason | 'unknown' }

export interface MemberSnapshot {
  readonly id: NodeId
  readonly state: MemberState
  /** Order of the latest accepted message (a leave may be newer than `heartbeat`). */
  readonly incarnation: number
  readonly seq: number
  /** When the latest heartbeat was accepted. */
  readonly lastSeenAt: Millis
  /** When the member entered its current state. */
  readonly since: Millis
  readonly heartbeat: FrozenHeartbeat
  /** Present only when state is 'dead'. */
  readonly deadReason?: DeadReason
}

interface Member {
  state: MemberState
  incarnation: number
  seq: number
  lastSeenAt: Millis
  since: Millis
  heartbeat: FrozenHeartbeat
  deadReason: DeadReason | undefined
}

export class MembershipView {
  private readonly members_ = new Map<NodeId, Member>()
  private readonly params: Readonly<MembershipParams>

  constructor (private readonly selfId: NodeId, params: MembershipParams) {
    const problems = validateMembershipParams(params)
    if (problems.length > 0) throw new RangeError(`invalid membership params: ${problems.join('; ')}`)
    // A copy, so that the caller changing its object later cannot bypass the validation.
    this.params = Object.freeze({ ...params })
  }

  /** `from` is the authenticated author of the gossip message (its signing peer id). */
  onHeartbeat (from: NodeId, hb: Heartbeat, now: Millis): HeartbeatOutcome {
    if (hb.id !== from) return { accepted: false, reason: 'forged' }
    if (hb.id === this.selfId) return { accepted: false, reason: 'self' }

    const member = this.members_.get(hb.id)
    if (member === undefined) {
      this.members_.set(hb.id, {
        state: 'alive',
        incarnation: hb.incarnation,
        seq: hb.seq,
        lastSeenAt: now,
        since: now,
        heartbeat: freezeHeartbeat(hb),
        deadReason: undefined
      })
      return { accepted: true, events: [{ type: 'join', id: hb.id, at: now, incarnation: hb.incarnation }] }
    }

    const order = compareOrder(hb, member)
    if (order < 0) return { accepted: false, reason: 'stale' }
    if (order === 0) return { accepted: false, reason: 'duplicate' }

    const heartbeat = freezeHeartbeat(hb)
    const events: MembershipEvent[] = []
    const restarted = hb.incarnation > member.incarnation
    if (member.state !== 'alive') {
      events.push({ type: 'recover', id: hb.id, at: now, from: member.state, restarted })
      member.state = 'alive'
      member.since = now
      member.deadReason = undefined
    }
    if (restarted) {
      events.push({ type: 'restart', id: hb.id, at: now, previousIncarnation: member.incarnation, incarnation: hb.incarnation })
    }
    const changed = changedFields(member.heartbeat, heartbeat)
    if (changed.length > 0) events.push({ type: 'update', id: hb.id, at: now, changed })

    member.incarnation = hb.incarnation
    member.seq = hb.seq
    member.lastSeenAt = now
    member.heartbeat = heartbeat
    return { accepted: true, events }
  }

  /** A graceful stop: the member is dead at once. A member already dead only records why. */
  onLeave (from: NodeId, leave: Leave, now: Millis): LeaveOutcome {
    if (leave.id !== from) return { accepted: false, reason: 'forged' }
    if (leave.id === this.selfId) return { accepted: false, reason: 'self' }

    const member = this.members_.get(leave.id)
    if (member === undefined) return { accepted: false, reason: 'unknown' }
    const order = compareOrder(leave, member)
    if (order < 0) return { accepted: false, reason: 'stale' }
    if (order === 0) return { accepted: false, reason: 'duplicate' }

    member.incarnation = leave.incarnation
    member.seq = leave.seq
    member.deadReason = 'left'
    if (member.state === 'dead') return { accepted: true, events: [] }
    member.state = 'dead'
    member.since = now
    return { accepted: true, events: [{ type: 'dead', id: leave.id, at: now, reason: 'left' }] }
  }

  /**
   * Advances the failure detector to `now`. O(members). Events come sorted by member id; a tick
   * that comes late may report suspect and dead for one member in the same call.
   */
  tick (now: Millis): MembershipEvent[] {
    const { forgetMs } = this.params
    const events: MembershipEvent[] = []
    for (const [id, member] of this.members_) {
      const silentFor = now - member.lastSeenAt
      const stretch = this.stretch(member.heartbeat)
      const suspectMs = this.params.suspectMs * stretch
      const deadMs = this.params.deadMs * stretch
      if (member.state === 'alive' && silentFor >= suspectMs) {
        member.state = 'suspect'
        member.since = now
        events.push({ type: 'suspect', id, at: now, lastSeenAt: member.lastSeenAt })
      }
      if (member.state === 'suspect' && silentFor >= deadMs) {
        member.state = 'dead'
        member.since = now
        member.deadReason = 'timeout'
        events.push({ type: 'dead', id, at: now, reason: 'timeout' })
      } else if (member.state === 'dead' && now - member.since >= forgetMs) {
        this.members_.delete(id)
        events.push({ type: 'forget', id, at: now })
      }
    }
    // Stable sort: one member's suspect stays ahead of its dead.
    return events.sort((a, b) => compareIds(a.id, b.id))
  }

  /** A member that announced a slower heartbeat than ours gets proportionally longer timeouts. */
  private stretch (hb: FrozenHeartbeat): number {
    const base = this.params.heartbeatMs
    return base === undefined || hb.every === undefined ? 1 : Math.max(1, hb.every / base)
  }

  get (id: NodeId): MemberSnapshot | undefined {
    const member = this.members_.get(id)
    return member === undefined ? undefined : snapshot(id, member)
  }

  /** How many members are not dead (alive or suspect), without building snapshots. */
  liveCount (): number {
    let n = 0
    for (const m of this.members_.values()) if (m.state !== 'dead') n++
    return n
  }

  /** Every member we know (self excluded), alive, suspect or dead, ordered by id. */
  members (): MemberSnapshot[] {
    return this.sortedEntries().map(([id, member]) => snapshot(id, member))
  }

  /** Members currently alive (suspects excluded), ordered by id. */
  alive (): MemberSnapshot[] {
    return this.sortedEntries().filter(([, member]) => member.state === 'alive').map(([id, member]) => snapshot(id, member))
  }

  /** Members in the view, in any state. */
  get size (): number {
    return this.members_.size
  }

  private sortedEntries (): Array<[NodeId, Member]> {
    return [...this.members_].sort(([a], [b]) => compareIds(a, b))
  }
}

function compareIds (a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function snapshot (id: NodeId, m: Member): MemberSnapshot {
  const base = {
    id, state: m.state, incarnation: m.incarnation, seq: m.seq, lastSeenAt: m.lastSeenAt, since: m.since, heartbeat: m.heartbeat
  }
  return Object.freeze(m.deadReason === undefined ? base : { ...base, deadReason: m.deadReason })
}
