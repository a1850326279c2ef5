// Which voter change the master should make next, if any: replace a voter that has been dead for
// replaceDeadVoterAfterMs by a healthy worker, one single-server step at a time (add the worker,
// then remove the dead voter). Pure and deterministic: the same view gives the same answer.
import type { Millis, NodeId } from '../types.js'
import { MAX_VOTERS } from './params.js'
import type { MemberHealth, VoterChange } from './types.js'

/**
 * Since when each voter has been down, as this node has seen it. A voter membership has never
 * reported (a master that restarted without hearing it) counts from when it was first missed, and
 * a grant from a voter proves it alive whatever gossip says.
 */
export class VoterWatch {
  private readonly downSince = new Map<NodeId, Millis>()

  observe (voters: readonly NodeId[], self: NodeId, members: ReadonlyMap<NodeId, MemberHealth>, now: Millis): void {
    for (const id of this.downSince.keys()) if (!voters.includes(id)) this.downSince.delete(id)
    for (const id of voters) {
      if (id === self) continue
      const health = members.get(id)
      if (health === undefined) {
        if (!this.downSince.has(id)) this.downSince.set(id, now)
      } else if (health.state === 'dead') {
        this.downSince.set(id, Math.min(this.downSince.get(id) ?? health.since, health.since))
      } else {
        this.downSince.delete(id)
      }
    }
  }

  /** Whether any voter is down at all (the common case is no). */
  get anyDown (): boolean {
    return this.downSince.size > 0
  }

  /** When `voter` went down, or null while it is up; `lastGrantAt`: its latest grant to us. */
  since (voter: NodeId, lastGrantAt: Millis | undefined): Millis | null {
    const down = this.downSince.get(voter)
    if (down === undefined) return null
    return Math.max(down, lastGrantAt ?? -Infinity)
  }
}

export interface AutopilotView {
  self: NodeId
  now: Millis
  /** The committed voter set. */
  voters: readonly NodeId[]
  /** The size the cluster was bootstrapped with: replacements bring it back to this. */
  expect: number
  replaceDeadVoterAfterMs: Millis
  promoteAfterAliveMs: Millis
  members: ReadonlyMap<NodeId, MemberHealth>
  downSince: (voter: NodeId) => Millis | null
  /** Whether a member has an agreed voter set (it has election state and is past bootstrap). */
  bootstrapped: (id: NodeId) => boolean
}

/**
 * The next step, or null. Removing a dead voter comes only once the voter set is above `expect`,
 * i.e. after its replacement was added and committed, so no step ever lowers the number of live
 * voters below what it was. Dead voters go longest-dead first; workers lowest id first.
 */
export function nextVoterChange (v: AutopilotView): VoterChange | null {
  const dead = v.voters
    .filter(id => id !== v.self)
    .map(id => ({ id, since: v.downSince(id) }))
    .filter((d): d is { id: NodeId, since: Millis } => d.since !== null && v.now - d.since >= v.replaceDeadVoterAfterMs)
    .sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : 1))
  const first = dead[0]
  if (first === undefined) return null
  const reason = `dead for ${Math.round(v.now - first.since)} ms (replaceDeadVoterAfterMs ${v.replaceDeadVoterAfterMs})`
  if (v.voters.length > v.expect) return { op: 'remove', voter: first.id, reason }
  // Heartbeats carry at most MAX_VOTERS ids: a full set cannot grow, even for a moment.
  if (v.voters.length >= MAX_VOTERS) return null
  const worker = healthyWorkers(v)[0]
  return worker === undefined ? null : { op: 'add', voter: worker, replacing: first.id, reason: `replaces ${first.id}, ${reason}` }
}

function healthyWorkers (v: AutopilotView): NodeId[] {
  const out: NodeId[] = []
  for (const [id, h] of v.members) {
    if (id === v.self || v.voters.includes(id) || h.state !== 'alive') continue
    if (v.now - h.since >= v.promoteAfterAliveMs && v.bootstrapped(id)) out.push(id)
  }
  return out.sort()
}
