// Placement policies: each scores one eligible node for one task, lower is better. The placement
// loop has already checked that the task fits; a policy only ranks. Ties go to the lower node id.
import type { NodeId } from '../types.js'
import { slotsInUse } from './fit.js'
import type { PendingTask, WorkerState } from './types.js'

/** A user-supplied score: lower is better; a non-finite result rules the node out. */
export type ScoreFn = (task: PendingTask, candidate: WorkerState) => number

export interface PlacementPolicy {
  readonly name: string
  readonly score: ScoreFn
  /** Told of every placement, for policies that remember their choices (spread). */
  readonly chosen?: (nodeId: NodeId) => void
}

export const BUILTIN_POLICIES = ['least-loaded', 'binpack', 'spread'] as const
export type BuiltinPolicyName = typeof BUILTIN_POLICIES[number]

function slotFraction (w: WorkerState): number {
  return slotsInUse(w) / Math.max(1, w.capacity.slots)
}

/**
 * Default. Fraction of slots in use (the larger of gossiped running + queued and what the master
 * placed, so a burst within one round spreads out), plus event-loop delay / 100 ms and load
 * average per cpu: a node that is slow for reasons the master cannot see ranks lower.
 */
export const leastLoaded: PlacementPolicy = {
  name: 'least-loaded',
  score: (_task, w) => slotFraction(w) + w.load.eventLoopDelayMs / 100 + w.load.loadAvg1 / Math.max(1, w.capacity.cpus)
}

/** Fills the busiest node that still fits before touching another: frees whole nodes. */
export const binpack: PlacementPolicy = {
  name: 'binpack',
  score: (_task, w) => -slotFraction(w)
}

/** How many nodes spread remembers for its least-recently-chosen tie-break. */
const SPREAD_MEMORY = 4096

/**
 * Fewest tasks placed by the master wins; among equals the node chosen least recently (never
 * chosen first). The recency is remembered across calls, so short tasks that finish between
 * rounds still rotate over the nodes instead of always landing on the lowest id.
 * Score = placed.tasks + recency, recency in [0, 1) so it only breaks ties.
 */
export function spreadPolicy (): PlacementPolicy {
  const stamps = new Map<NodeId, number>()
  let clock = 0
  return {
    name: 'spread',
    score: (_task, w) => w.placed.tasks + (stamps.get(w.id) ?? 0) / (clock + 1),
    chosen: (nodeId) => {
      clock++
      // Re-inserting keeps the Map in recency order, so the oldest entry is evicted first.
      stamps.delete(nodeId)
      stamps.set(nodeId, clock)
      if (stamps.size > SPREAD_MEMORY) {
        const oldest = stamps.keys().next()
        if (oldest.done !== true) stamps.delete(oldest.value)
      }
    }
  }
}

/** A fresh instance of a built-in policy (spread keeps per-instance memory). */
export function createPolicy (name: BuiltinPolicyName): PlacementPolicy {
  switch (name) {
    case 'least-loaded': return leastLoaded
    case 'binpack': return binpack
    case 'spread': return spreadPolicy()
  }
}

export function customPolicy (score: ScoreFn, name = 'custom'): PlacementPolicy {
  return { name, score }
}

const MAX_ERROR_CHARS = 200

/**
 * Runs a policy on one node: a finite score, or the reason the node is ruled out. A throw or a
 * non-finite score rules the node out; it never reaches the master's loop. (A number-or-string
 * result keeps this call, made once per task per node, free of allocations.)
 */
export function scoreCandidate (policy: PlacementPolicy, task: PendingTask, candidate: WorkerState): number | string {
  let score: unknown
  try {
    score = policy.score(task, candidate)
  } catch (err) {
    return `policy rejected (threw: ${errorText(err).slice(0, MAX_ERROR_CHARS)})`
  }
  return typeof score === 'number' && Number.isFinite(score) ? score : 'policy rejected'
}

/** A thrown value may be anything, even an object whose toString throws. */
function errorText (err: unknown): string {
  try {
    return err instanceof Error ? String(err.message) : String(err)
  } catch {
    return 'unprintable error'
  }
}
