// The checker: a merged history in, anomalies and failover figures out. Pure (no clock, no
// I/O), so that it can be tested on hand-made histories and re-run on a kept run's logs.
import type { ChaosEvent } from './events.js'
import { closestHandoverMs, findSplitBrain, findStaleOrders, leaseIntervals, type SplitBrain, type StaleOrder } from './check-leases.js'
import { findDuplicates, taskOutcomes, type Duplicate, type DuplicateReason, type TaskOutcomes } from './check-tasks.js'
import { failovers, type FailoverStats } from './check-failover.js'

export interface CheckOptions {
  /** How far two nodes' recorded leases may overlap before it counts as split brain (default 50 ms). */
  clockToleranceMs?: number
}

export const DEFAULT_CLOCK_TOLERANCE_MS = 50

export interface CheckResult {
  splitBrain: SplitBrain[]
  staleOrders: StaleOrder[]
  /** The tightest gap between one master's lease and the next one's (see check-leases.ts). */
  closestHandoverMs: number | null
  /** Terms won in the run: compare with the master faults to see elections nobody caused. */
  elections: number
  tasks: TaskOutcomes
  duplicates: {
    total: number
    /** Explained duplicates per reason (one duplicate may have several). */
    explained: Partial<Record<DuplicateReason, number>>
    unexplained: Duplicate[]
  }
  failover: FailoverStats
  /** No split brain, no stale order accepted, no lost task. */
  ok: boolean
}

/** `events` must be in time order (as readHistory returns them). */
export function checkHistory (events: readonly ChaosEvent[], o: CheckOptions = {}): CheckResult {
  const leases = leaseIntervals(events)
  const splitBrain = findSplitBrain(leases, o.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS)
  const staleOrders = findStaleOrders(events)
  const tasks = taskOutcomes(events)
  const dups = findDuplicates(events)
  const explained: Partial<Record<DuplicateReason, number>> = {}
  for (const d of dups) if (d.explained) for (const r of d.reasons) explained[r] = (explained[r] ?? 0) + 1
  return {
    splitBrain,
    staleOrders,
    closestHandoverMs: closestHandoverMs(leases),
    elections: events.filter(e => e.type === 'elected').length,
    tasks,
    duplicates: { total: dups.length, explained, unexplained: dups.filter(d => !d.explained) },
    failover: failovers(events, leases),
    ok: splitBrain.length === 0 && staleOrders.length === 0 && tasks.lost.length === 0
  }
}
