// Split brain, from the leases the masters recorded and the orders the workers accepted.
//
// Each master records when it won a term (`elected`) and every extension of its lease
// (`lease`), both with the wall-clock end of the lease, and when it lost it. A node is master
// from its `elected` until the last recorded end (or until it recorded losing the lease, if that
// came first). The election waits out every old lease before granting a new one, so leases of
// different nodes must never overlap; `toleranceMs` absorbs recording jitter (the nodes write
// the time after their state machine ran, and an fsync may sit in between).
import type { ChaosEvent } from './events.js'

export interface LeaseInterval { node: string, epoch: number, start: number, end: number }

export interface SplitBrain {
  /** 'overlap': two nodes' leases overlapped in real time; 'same-epoch': two nodes won one term. */
  kind: 'overlap' | 'same-epoch'
  a: LeaseInterval
  b: LeaseInterval
  overlapMs: number
}

/** A worker accepted an order from an epoch below one it had already seen (since its last start). */
export interface StaleOrder { node: string, t: number, epoch: number, from: string, seenEpoch: number }

export function leaseIntervals (events: readonly ChaosEvent[]): LeaseInterval[] {
  const byTerm = new Map<string, { node: string, epoch: number, start: number, until: number, lostAt: number }>()
  for (const e of events) {
    if (e.type === 'elected' || e.type === 'lease') {
      const key = `${e.node} ${e.epoch}`
      let term = byTerm.get(key)
      if (term === undefined) byTerm.set(key, term = { node: e.node, epoch: e.epoch, start: e.t, until: e.leaseUntil, lostAt: Infinity })
      term.start = Math.min(term.start, e.t)
      term.until = Math.max(term.until, e.leaseUntil)
    } else if (e.type === 'lost-lease' || e.type === 'stepped-down') {
      const term = byTerm.get(`${e.node} ${e.epoch}`)
      if (term !== undefined) term.lostAt = Math.min(term.lostAt, e.t)
    }
  }
  return [...byTerm.values()]
    .map(x => ({ node: x.node, epoch: x.epoch, start: x.start, end: Math.max(x.start, Math.min(x.until, x.lostAt)) }))
    .sort((a, b) => a.start - b.start)
}

export function findSplitBrain (intervals: readonly LeaseInterval[], toleranceMs: number): SplitBrain[] {
  const out: SplitBrain[] = []
  for (let i = 0; i < intervals.length; i++) {
    const a = intervals[i]!
    for (let j = i + 1; j < intervals.length; j++) {
      const b = intervals[j]!
      if (a.node === b.node) continue
      const overlapMs = Math.min(a.end, b.end) - Math.max(a.start, b.start)
      if (a.epoch === b.epoch) out.push({ kind: 'same-epoch', a, b, overlapMs })
      else if (overlapMs > toleranceMs) out.push({ kind: 'overlap', a, b, overlapMs })
    }
  }
  return out
}

/**
 * The smallest time between one master's lease end and the start of the next lease on another
 * node: how close the run came to a split brain (negative within the tolerance).
 */
export function closestHandoverMs (intervals: readonly LeaseInterval[]): number | null {
  let min: number | null = null
  for (let i = 1; i < intervals.length; i++) {
    const b = intervals[i]!
    let latestEnd = -Infinity
    for (let j = 0; j < i; j++) if (intervals[j]!.node !== b.node) latestEnd = Math.max(latestEnd, intervals[j]!.end)
    if (latestEnd === -Infinity) continue
    const gap = b.start - latestEnd
    if (min === null || gap < min) min = gap
  }
  return min
}

export function findStaleOrders (events: readonly ChaosEvent[]): StaleOrder[] {
  const seen = new Map<string, number>()
  const out: StaleOrder[] = []
  for (const e of events) {
    if (e.type === 'start') seen.delete(e.node) // a restarted worker starts from what it learns anew
    else if (e.type === 'elected' || e.type === 'lease') seen.set(e.node, Math.max(seen.get(e.node) ?? 0, e.epoch))
    else if (e.type === 'order-accepted') {
      const before = seen.get(e.node) ?? 0
      if (e.epoch < before) out.push({ node: e.node, t: e.t, epoch: e.epoch, from: e.from, seenEpoch: before })
      seen.set(e.node, Math.max(before, e.epoch))
    }
  }
  return out
}
