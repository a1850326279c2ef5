// Voter configurations as a tiny Raft log: the committed set plus at most one change in flight,
// each entry stamped with the term of the master that proposed it. Pure functions only; the rules
// they serve are argued in docs/election-safety.md ("Changing the voter set").
import type { NodeId } from '../types.js'
import { MAX_VOTERS } from './params.js'
import type { ConfigKnowledge, VoterChange, VoterConfig } from './types.js'

/** The set bootstrap agreed: version 0, term 0. */
export function bootstrapKnowledge (voters: readonly NodeId[], version = 0): ConfigKnowledge {
  return { committed: { version, term: 0, voters: [...voters] }, pending: null }
}

/** Still the bootstrap set with nothing in flight: wire and disk leave such knowledge out. */
export function isBootstrapOnly (k: ConfigKnowledge): boolean {
  return k.committed.version === 0 && k.committed.term === 0 && k.pending === null
}

/** The entry a node's knowledge ends with: the change in flight, else the committed set. */
export function lastEntry (k: ConfigKnowledge): VoterConfig {
  return k.pending ?? k.committed
}

/** Raft's "more up-to-date" order: the later proposing term first, then the higher version. */
export function compareEntries (a: Pick<VoterConfig, 'term' | 'version'>, b: Pick<VoterConfig, 'term' | 'version'>): number {
  return a.term !== b.term ? a.term - b.term : a.version - b.version
}

/**
 * What `ours` becomes after hearing `theirs`: the later last entry, and the newest committed set.
 * Null when `theirs` teaches nothing, or contradicts ours (two sets for one version: never
 * learned, so that a bug or a wiped disk elsewhere cannot spread).
 */
export function mergeKnowledge (ours: ConfigKnowledge, theirs: ConfigKnowledge): ConfigKnowledge | null {
  const last = compareEntries(lastEntry(theirs), lastEntry(ours)) > 0 ? lastEntry(theirs) : lastEntry(ours)
  const a = ours.committed
  const b = theirs.committed
  const committed = b.version > a.version || (b.version === a.version && b.term > a.term) ? b : a
  let merged: ConfigKnowledge
  if (last.version === committed.version) {
    if (!sameIds(last.voters, committed.voters)) return null
    // A change seen committed elsewhere: keep its latest stamp, so our last entry never goes back.
    merged = { committed: { version: last.version, term: Math.max(last.term, committed.term), voters: [...last.voters] }, pending: null }
  } else if (last.version === committed.version + 1 && oneChangeApart(committed.voters, last.voters)) {
    merged = { committed: copyConfig(committed), pending: copyConfig(last) }
  } else {
    return null
  }
  return sameKnowledge(merged, ours) ? null : merged
}

/** The voter set after one change, sorted. */
export function applyChange (voters: readonly NodeId[], change: VoterChange): NodeId[] {
  const next = change.op === 'add' ? [...voters, change.voter] : voters.filter(v => v !== change.voter)
  return [...new Set(next)].sort()
}

/** Structural check of knowledge read from a peer or from disk: null when sound, else why not. */
export function checkKnowledge (k: ConfigKnowledge): string | null {
  const c = checkConfig(k.committed, 'committed')
  if (c !== null) return c
  if (k.pending === null) return null
  const p = checkConfig(k.pending, 'pending')
  if (p !== null) return p
  if (k.pending.version !== k.committed.version + 1) {
    return `pending.version must be committed.version + 1 (${k.committed.version + 1}), got ${k.pending.version}`
  }
  if (k.pending.term < k.committed.term) return `pending.term (${k.pending.term}) is older than committed.term (${k.committed.term})`
  if (!oneChangeApart(k.committed.voters, k.pending.voters)) return 'pending must add or remove exactly one voter of committed'
  return null
}

/**
 * The configuration fields of a persisted state (read back from disk, so of unknown shape):
 * null when absent (an older file: the bootstrap set) or sound, else what is wrong.
 */
export function checkPersistedConfig (state: { voters: unknown, configVersion?: unknown, configTerm?: unknown, pending?: unknown }): string | null {
  const { voters, configVersion = 0, configTerm = 0, pending = null } = state
  if (voters === null) return configVersion === 0 && pending === null ? null : 'a voter change without a voter set'
  if (pending !== null && !isConfigShaped(pending)) return 'pending must be null or { version, term, voters }'
  const committed = { version: configVersion, term: configTerm, voters }
  if (!isConfigShaped(committed)) return 'configVersion and configTerm must be integers, voters a list of ids'
  return checkKnowledge({ committed, pending: pending as VoterConfig | null })
}

function isConfigShaped (value: unknown): value is VoterConfig {
  if (typeof value !== 'object' || value === null) return false
  const c = value as Record<string, unknown>
  return typeof c.version === 'number' && typeof c.term === 'number' &&
    Array.isArray(c.voters) && c.voters.every(v => typeof v === 'string')
}

export function checkConfig (c: VoterConfig, name: string): string | null {
  if (!Number.isSafeInteger(c.version) || c.version < 0) return `${name}.version must be an integer >= 0`
  if (!Number.isSafeInteger(c.term) || c.term < 0) return `${name}.term must be an integer >= 0`
  if (c.voters.length === 0 || c.voters.length > MAX_VOTERS) return `${name}.voters must hold 1 to ${MAX_VOTERS} ids`
  for (let i = 1; i < c.voters.length; i++) {
    if (!(c.voters[i - 1]! < c.voters[i]!)) return `${name}.voters must be sorted and unique`
  }
  return null
}

export function sameKnowledge (a: ConfigKnowledge, b: ConfigKnowledge): boolean {
  return sameConfig(a.committed, b.committed) &&
    (a.pending === null ? b.pending === null : b.pending !== null && sameConfig(a.pending, b.pending))
}

export function copyKnowledge (k: ConfigKnowledge): ConfigKnowledge {
  return { committed: copyConfig(k.committed), pending: k.pending === null ? null : copyConfig(k.pending) }
}

export function copyConfig (c: VoterConfig): VoterConfig {
  return { version: c.version, term: c.term, voters: [...c.voters] }
}

function sameConfig (a: VoterConfig, b: VoterConfig): boolean {
  return a.version === b.version && a.term === b.term && sameIds(a.voters, b.voters)
}

function sameIds (a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i])
}

/** Sorted sets that differ by exactly one id (one added or one removed). */
function oneChangeApart (a: readonly NodeId[], b: readonly NodeId[]): boolean {
  const [small, large] = a.length < b.length ? [a, b] : [b, a]
  if (large.length !== small.length + 1) return false
  const inLarge = new Set(large)
  return small.every(id => inLarge.has(id))
}
