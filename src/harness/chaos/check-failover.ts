// How long each master fault left the cluster without a master, and without finished work.
import { MASTER_FAULT_KINDS, type ChaosEvent, type FaultEvent, type MasterFaultKind } from './events.js'
import type { LeaseInterval } from './check-leases.js'
import { distribution, type Distribution } from './stats.js'

export interface Failover {
  t: number
  kind: MasterFaultKind
  /** Peer id of the master that was hit, and its epoch. */
  target: string
  epoch: number
  /** The first node other than the target to win a higher term, and when (ms after the fault). */
  newMaster: { node: string, epoch: number, afterMs: number } | null
  /** The first task that a worker finished under the new master's orders (ms after the fault). */
  firstTaskMs: number | null
  /** Why this fault is left out of the figures, when it is. */
  excluded?: string
}

export interface FailoverStats {
  faults: Failover[]
  newMasterMs: Distribution
  firstTaskMs: Distribution
  /** Master faults after which no new master (or no finished task) showed up before the next fault. */
  noNewMaster: number
  noTask: number
}

export function failovers (events: readonly ChaosEvent[], leases: readonly LeaseInterval[]): FailoverStats {
  const masterFaults: Array<FaultEvent & { kind: MasterFaultKind, epoch: number }> = []
  const elected: Array<{ t: number, node: string, epoch: number }> = []
  const startEpoch = new Map<string, number>()
  const finishedOk: Array<{ t: number, epoch: number }> = []
  for (const e of events) {
    if (e.type === 'fault' && e.phase === 'inject' && e.wasMaster && e.epoch !== null && isMasterFault(e.kind)) masterFaults.push({ ...e, kind: e.kind, epoch: e.epoch })
    else if (e.type === 'elected') elected.push({ t: e.t, node: e.node, epoch: e.epoch })
    else if (e.type === 'task-start') startEpoch.set(`${e.node} ${e.id} ${e.attempt}`, e.epoch)
    else if (e.type === 'task-end' && e.ok) finishedOk.push({ t: e.t, epoch: startEpoch.get(`${e.node} ${e.id} ${e.attempt}`) ?? -1 })
  }
  const faults = masterFaults.map((f, i): Failover => {
    const windowEnd = masterFaults[i + 1]?.t ?? Infinity
    const base = { t: f.t, kind: f.kind, target: f.target, epoch: f.epoch, newMaster: null, firstTaskMs: null }
    // The harness read "who is master" from a status poll: if the term had already ended, the
    // fault hit a former master and caused no failover.
    const held = leases.find(l => l.node === f.target && l.epoch === f.epoch)
    if (held === undefined || held.end < f.t) return { ...base, excluded: 'the target no longer held the lease' }
    const next = elected.find(x => x.t >= f.t && x.t < windowEnd && x.node !== f.target && x.epoch > f.epoch)
    if (next === undefined) return base
    const task = finishedOk.find(x => x.t >= next.t && x.t < windowEnd && x.epoch >= next.epoch)
    return { ...base, newMaster: { node: next.node, epoch: next.epoch, afterMs: next.t - f.t }, firstTaskMs: task === undefined ? null : task.t - f.t }
  })
  const counted = faults.filter(f => f.excluded === undefined)
  return {
    faults,
    newMasterMs: distribution(counted.flatMap(f => f.newMaster === null ? [] : [f.newMaster.afterMs])),
    firstTaskMs: distribution(counted.flatMap(f => f.firstTaskMs === null ? [] : [f.firstTaskMs])),
    noNewMaster: counted.filter(f => f.newMaster === null).length,
    noTask: counted.filter(f => f.firstTaskMs === null).length
  }
}

function isMasterFault (k: string): k is MasterFaultKind {
  return (MASTER_FAULT_KINDS as readonly string[]).includes(k)
}
