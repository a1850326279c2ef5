// Agreeing the voter set from heartbeat claims, without any prior configuration but `expect N`.
// Pure: the same view gives the same answer on every node. Its limits (it is not consensus) are
// in docs/election-safety.md.
import type { ClaimView, NodeId } from '../types.js'

export interface BootstrapView {
  self: NodeId
  expect: number
  /** Claims of the members, from their latest heartbeats; only alive members are considered. */
  claims: ReadonlyMap<NodeId, ClaimView>
  alive: readonly NodeId[]
}

export type BootstrapOutcome =
  /** `version`: of the adopted set (claims carry it once voters were replaced); 0 for a proposal. */
  | { kind: 'agreed', voters: NodeId[], version: number, via: 'proposal' | 'adopted', alternatives: NodeId[][] }
  | { kind: 'proposing', proposal: NodeId[] | null }

/** One bootstrap step for a node that has no agreed voter set yet. */
export function bootstrapStep (view: BootstrapView): BootstrapOutcome {
  const others = aliveClaims(view)
  const adopted = pickReportedVoters(others.map(([, claim]) => claim))
  if (adopted !== null) return { kind: 'agreed', voters: adopted.voters, version: adopted.version, via: 'adopted', alternatives: adopted.alternatives }

  const members = sortedUnique([view.self, ...others.map(([id]) => id)])
  if (members.length < view.expect) return { kind: 'proposing', proposal: null }
  const proposal = members.slice(0, view.expect)

  const proposers = new Map(others.map(([id, claim]) => [id, claim.proposal]))
  const everyMemberProposesIt = proposal.every(id => id === view.self || sameIds(proposers.get(id) ?? null, proposal))
  // A node still proposing something else means views differ: agreeing now could split the
  // cluster into two voter sets, so wait until its view catches up.
  const nobodyProposesOtherwise = others.every(([, claim]) => claim.proposal === null || sameIds(claim.proposal, proposal))
  if (everyMemberProposesIt && nobodyProposesOtherwise) return { kind: 'agreed', voters: proposal, version: 0, via: 'proposal', alternatives: [] }
  return { kind: 'proposing', proposal }
}

/**
 * Alive members (other than ourselves) that report a different voter set for the same version as
 * ours. A different version is no conflict: one of us has not yet heard of a replacement.
 */
export function conflictingVoterSets (view: BootstrapView, ours: readonly NodeId[], ourVersion = 0): Array<{ reportedBy: NodeId, theirs: NodeId[] }> {
  const conflicts: Array<{ reportedBy: NodeId, theirs: NodeId[] }> = []
  for (const [id, claim] of aliveClaims(view)) {
    if (claim.voters === null || (claim.configVersion ?? 0) !== ourVersion) continue
    if (!sameIds(claim.voters, ours)) conflicts.push({ reportedBy: id, theirs: sortedUnique(claim.voters) })
  }
  return conflicts
}

/**
 * Among reported agreed sets, the newest version (replacements only move forward), then the one
 * reported by the most members; ties go to the lexicographically smallest, so that every node
 * picks the same one.
 */
function pickReportedVoters (claims: readonly ClaimView[]): { voters: NodeId[], version: number, alternatives: NodeId[][] } | null {
  const counts = new Map<string, { voters: NodeId[], version: number, count: number }>()
  for (const claim of claims) {
    if (claim.voters === null || claim.voters.length === 0) continue
    const voters = sortedUnique(claim.voters)
    const version = claim.configVersion ?? 0
    const key = `${version} ${JSON.stringify(voters)}`
    const entry = counts.get(key)
    if (entry === undefined) counts.set(key, { voters, version, count: 1 })
    else entry.count++
  }
  const ranked = [...counts.values()].sort((a, b) => b.version - a.version || b.count - a.count || compareIdLists(a.voters, b.voters))
  const best = ranked[0]
  if (best === undefined) return null
  return { voters: best.voters, version: best.version, alternatives: ranked.slice(1).map(r => r.voters) }
}

function aliveClaims (view: BootstrapView): Array<[NodeId, ClaimView]> {
  const out: Array<[NodeId, ClaimView]> = []
  for (const id of new Set(view.alive)) {
    const claim = view.claims.get(id)
    if (id !== view.self && claim !== undefined) out.push([id, claim])
  }
  return out
}

export function sortedUnique (ids: readonly NodeId[]): NodeId[] {
  return [...new Set(ids)].sort(compareIds)
}

/** Same set of ids? `b` must be sorted and unique; `a` may come from a peer in any order. */
export function sameIds (a: readonly NodeId[] | null, b: readonly NodeId[]): boolean {
  if (a === null) return false
  // Called for every claim on every membership tick: skip the sort when `a` is already sorted.
  const sa = isSortedUnique(a) ? a : sortedUnique(a)
  return sa.length === b.length && sa.every((id, i) => id === b[i])
}

function isSortedUnique (ids: readonly NodeId[]): boolean {
  for (let i = 1; i < ids.length; i++) if (!(ids[i - 1]! < ids[i]!)) return false
  return true
}

function compareIds (a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareIdLists (a: readonly NodeId[], b: readonly NodeId[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareIds(a[i]!, b[i]!)
    if (c !== 0) return c
  }
  return a.length - b.length
}
