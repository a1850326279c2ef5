import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { checkHistory } from '../../src/harness/chaos/checker.js'
import { planEnd, planSchedule, SETTLE_MS, type ScheduleParams } from '../../src/harness/chaos/schedule.js'
import { parseDuration, parseFaults } from '../../src/harness/chaos/options.js'
import type { ChaosEvent, FaultEvent } from '../../src/harness/chaos/events.js'

// Three nodes A, B, C. A is master at epoch 1 until it is killed at 3100; its last lease runs
// to 3950; B wins epoch 2 at 4100. The client submits through B and C.
function cleanHistory (): ChaosEvent[] {
  return [
    { t: 0, node: 'A', type: 'start', incarnation: 1 },
    { t: 0, node: 'B', type: 'start', incarnation: 1 },
    { t: 0, node: 'C', type: 'start', incarnation: 1 },
    { t: 1000, node: 'A', type: 'elected', epoch: 1, leaseUntil: 1950 },
    { t: 1200, node: 'A', type: 'lease', epoch: 1, leaseUntil: 2150 },
    { t: 1500, node: 'client', type: 'submit', id: 'x1', via: 'B' },
    { t: 1505, node: 'A', type: 'assign-sent', epoch: 1, to: 'C', tasks: [['x1', 1]] },
    { t: 1508, node: 'C', type: 'order-accepted', epoch: 1, from: 'A', ids: ['x1'] },
    { t: 1510, node: 'C', type: 'task-start', id: 'x1', attempt: 1, epoch: 1 },
    { t: 1560, node: 'C', type: 'task-end', id: 'x1', attempt: 1, ok: true },
    { t: 1570, node: 'client', type: 'result', id: 'x1', ok: true, attempts: 1 },
    { t: 2900, node: 'client', type: 'submit', id: 'x4', via: 'C' },
    { t: 3000, node: 'A', type: 'lease', epoch: 1, leaseUntil: 3950 },
    { t: 3005, node: 'A', type: 'task-start', id: 'x4', attempt: 1, epoch: 1 },
    fault(3100, 'kill', 'A', 1),
    { t: 3200, node: 'client', type: 'submit', id: 'x2', via: 'C' },
    { t: 4100, node: 'B', type: 'elected', epoch: 2, leaseUntil: 5050 },
    { t: 4290, node: 'C', type: 'order-accepted', epoch: 2, from: 'B', ids: ['x2', 'x4'] },
    { t: 4300, node: 'C', type: 'task-start', id: 'x2', attempt: 1, epoch: 2 },
    // x4 ran on A, which died with it: the new master runs it again (an explained duplicate).
    { t: 4300, node: 'C', type: 'task-start', id: 'x4', attempt: 2, epoch: 2 },
    { t: 4350, node: 'C', type: 'task-end', id: 'x2', attempt: 1, ok: true },
    { t: 4355, node: 'C', type: 'task-end', id: 'x4', attempt: 2, ok: true },
    { t: 4360, node: 'client', type: 'result', id: 'x2', ok: true, attempts: 1 },
    { t: 4365, node: 'client', type: 'result', id: 'x4', ok: true, attempts: 2 },
    { t: 4400, node: 'B', type: 'lease', epoch: 2, leaseUntil: 5400 }
  ]
}

function fault (t: number, kind: FaultEvent['kind'], target: string, epoch: number | null, phase: FaultEvent['phase'] = 'inject'): FaultEvent {
  return { t, node: 'harness', type: 'fault', kind, phase, target, name: target, wasMaster: epoch !== null, epoch }
}

function withEvents (extra: ChaosEvent[]): ChaosEvent[] {
  return [...cleanHistory(), ...extra].sort((a, b) => a.t - b.t)
}

describe('chaos checker', () => {
  test('a clean history passes, with the failover measured', () => {
    const r = checkHistory(cleanHistory())
    assert.equal(r.ok, true)
    assert.deepEqual(r.splitBrain, [])
    assert.deepEqual(r.staleOrders, [])
    assert.deepEqual(r.tasks.lost, [])
    assert.equal(r.tasks.submitted, 3)
    assert.equal(r.tasks.done, 3)
    assert.equal(r.closestHandoverMs, 150)
    assert.equal(r.elections, 2)
    assert.equal(r.failover.faults.length, 1)
    assert.deepEqual(r.failover.faults[0]!.newMaster, { node: 'B', epoch: 2, afterMs: 1000 })
    assert.equal(r.failover.faults[0]!.firstTaskMs, 1250)
    assert.equal(r.failover.newMasterMs.median, 1000)
  })

  test('an explained duplicate is counted, with its reasons, and does not fail the run', () => {
    const r = checkHistory(cleanHistory())
    assert.equal(r.duplicates.total, 1)
    assert.deepEqual(r.duplicates.unexplained, [])
    assert.deepEqual(r.duplicates.explained, { 'master-changed': 1, 'worker-killed': 1 })
  })

  test('flags a planted split brain: a new master elected while the old lease still runs', () => {
    const history = cleanHistory().map(e => e.type === 'elected' && e.node === 'B' ? { ...e, t: 3500 } : e).sort((a, b) => a.t - b.t)
    const r = checkHistory(history)
    assert.equal(r.ok, false)
    assert.equal(r.splitBrain.length, 1)
    assert.equal(r.splitBrain[0]!.kind, 'overlap')
    assert.equal(r.splitBrain[0]!.overlapMs, 450)
    assert.deepEqual([r.splitBrain[0]!.a.node, r.splitBrain[0]!.b.node], ['A', 'B'])
  })

  test('an overlap within the clock tolerance is not split brain; a tighter tolerance flags it', () => {
    const history = cleanHistory().map(e => e.type === 'elected' && e.node === 'B' ? { ...e, t: 3930 } : e).sort((a, b) => a.t - b.t)
    assert.equal(checkHistory(history).splitBrain.length, 0)
    assert.equal(checkHistory(history, { clockToleranceMs: 10 }).splitBrain.length, 1)
  })

  test('flags two nodes winning the same term, whenever they did', () => {
    const r = checkHistory(withEvents([{ t: 9000, node: 'C', type: 'elected', epoch: 2, leaseUntil: 9900 }]))
    assert.equal(r.ok, false)
    assert.equal(r.splitBrain.length, 1)
    assert.equal(r.splitBrain[0]!.kind, 'same-epoch')
  })

  test('flags a worker accepting an order older than one it already accepted, but not after it restarted', () => {
    const stale = checkHistory(withEvents([{ t: 4500, node: 'C', type: 'order-accepted', epoch: 1, from: 'A', ids: ['x9'] }]))
    assert.equal(stale.ok, false)
    assert.deepEqual(stale.staleOrders, [{ node: 'C', t: 4500, epoch: 1, from: 'A', seenEpoch: 2 }])
    const restarted = checkHistory(withEvents([
      { t: 4450, node: 'C', type: 'start', incarnation: 2 },
      { t: 4500, node: 'C', type: 'order-accepted', epoch: 1, from: 'A', ids: ['x9'] }
    ]))
    assert.deepEqual(restarted.staleOrders, [])
  })

  test('flags a planted lost task: accepted through a node that lived, never answered', () => {
    const r = checkHistory(withEvents([
      { t: 4000, node: 'client', type: 'submit', id: 'x3', via: 'C' },
      { t: 9000, node: 'client', type: 'request-error', id: 'x3', reason: 'still open when the run ended' }
    ]))
    assert.equal(r.ok, false)
    assert.equal(r.tasks.lost.length, 1)
    assert.deepEqual(r.tasks.lost[0], { id: 'x3', via: 'C', submittedAt: 4000, reason: 'still open when the run ended', ranOk: false })
  })

  test('a task whose submitting node was killed is orphaned, one the node refused is rejected, one that failed is failed: none is lost', () => {
    const r = checkHistory(withEvents([
      { t: 2000, node: 'client', type: 'submit', id: 'o1', via: 'A' },
      { t: 3105, node: 'client', type: 'request-error', id: 'o1', reason: 'fetch failed: other side closed' },
      { t: 4400, node: 'client', type: 'submit', id: 'r1', via: 'B' },
      { t: 4401, node: 'client', type: 'request-error', id: 'r1', reason: 'queue-full', status: 429 },
      { t: 4402, node: 'client', type: 'submit', id: 'r2', via: 'A' },
      { t: 4403, node: 'client', type: 'request-error', id: 'r2', reason: 'ECONNREFUSED', unreachable: true },
      { t: 4410, node: 'client', type: 'submit', id: 'f1', via: 'B' },
      { t: 4500, node: 'client', type: 'result', id: 'f1', ok: false, code: 'handler-error', attempts: 1 }
    ]))
    assert.equal(r.ok, true)
    assert.equal(r.tasks.orphaned, 1)
    assert.deepEqual(r.tasks.rejected, { 'http 429': 1, unreachable: 1 })
    assert.deepEqual(r.tasks.failed, { 'handler-error': 1 })
    assert.deepEqual(r.tasks.lost, [])
  })

  test('flags a planted unexplained duplicate: a second run while the first worker was healthy, in the same term', () => {
    const r = checkHistory(withEvents([
      { t: 1600, node: 'B', type: 'task-start', id: 'x1', attempt: 2, epoch: 1 },
      { t: 1650, node: 'B', type: 'task-end', id: 'x1', attempt: 2, ok: true }
    ]))
    assert.equal(r.duplicates.total, 2)
    assert.equal(r.duplicates.unexplained.length, 1)
    const d = r.duplicates.unexplained[0]!
    assert.equal(d.id, 'x1')
    assert.deepEqual(d.run, { node: 'B', attempt: 2, epoch: 1, t: 1600 })
    assert.deepEqual(d.earlier.map(e => e.node), ['C'])
  })

  test('a run after a failed run is a retry; a run after a paused or declared-lost worker is explained', () => {
    const r = checkHistory(withEvents([
      { t: 5000, node: 'client', type: 'submit', id: 'y', via: 'B' },
      { t: 5010, node: 'C', type: 'task-start', id: 'y', attempt: 1, epoch: 2 },
      { t: 5020, node: 'C', type: 'task-end', id: 'y', attempt: 1, ok: false, code: 'handler-error' },
      { t: 5030, node: 'B', type: 'task-start', id: 'y', attempt: 2, epoch: 2 },
      fault(5040, 'pause', 'B', null),
      { t: 5100, node: 'C', type: 'task-start', id: 'y', attempt: 3, epoch: 2 },
      fault(5200, 'pause', 'B', null, 'end'),
      { t: 5300, node: 'B', type: 'task-end', id: 'y', attempt: 2, ok: true },
      { t: 5400, node: 'client', type: 'submit', id: 'z', via: 'B' },
      { t: 5410, node: 'C', type: 'task-start', id: 'z', attempt: 1, epoch: 2 },
      // The event log writes the lost worker's id as `node` (it overrides the recorder's).
      { t: 5500, node: 'C', type: 'worker-lost', requeued: 1 },
      { t: 5510, node: 'B', type: 'task-start', id: 'z', attempt: 2, epoch: 2 }
    ]))
    assert.deepEqual(r.duplicates.unexplained, [])
    assert.equal(r.duplicates.total, 3, 'x4 from the clean history, y after the pause, z after worker-lost')
    assert.equal(r.duplicates.explained['worker-cut-off'], 1)
    assert.equal(r.duplicates.explained['worker-lost'], 1)
  })

  test('an older attempt that starts late (its order reached a busy worker late) is judged by its own worker', () => {
    const base: ChaosEvent[] = [
      { t: 5000, node: 'client', type: 'submit', id: 'w', via: 'C' },
      { t: 5010, node: 'B', type: 'assign-sent', epoch: 2, to: 'C', tasks: [['w', 1]] },
      { t: 5500, node: 'B', type: 'assign-sent', epoch: 2, to: 'B', tasks: [['w', 2]] },
      { t: 5500, node: 'B', type: 'task-start', id: 'w', attempt: 2, epoch: 2 },
      { t: 5600, node: 'C', type: 'task-start', id: 'w', attempt: 1, epoch: 2 }
    ]
    const declaredLost = checkHistory(withEvents([...base, { t: 5400, node: 'C', type: 'worker-lost', requeued: 1 }]))
    assert.deepEqual(declaredLost.duplicates.unexplained, [])
    assert.equal(declaredLost.duplicates.explained['worker-lost'], 1)
    const noReason = checkHistory(withEvents(base))
    assert.equal(noReason.duplicates.unexplained.length, 1)
    assert.deepEqual(noReason.duplicates.unexplained[0]!.run, { node: 'C', attempt: 1, epoch: 2, t: 5600 })
  })

  test('a fault on a node that no longer held the lease is left out of the failover figures', () => {
    const r = checkHistory(withEvents([fault(6000, 'kill', 'A', 1)]))
    assert.equal(r.failover.faults.length, 2)
    assert.equal(r.failover.faults[1]!.excluded, 'the target no longer held the lease')
    assert.equal(r.failover.newMasterMs.n, 1)
  })
})

describe('chaos schedule', () => {
  const ci: ScheduleParams = { seed: 7, durationMs: 45_000, faults: ['kill', 'pause', 'partition', 'restart'], nodes: 3, leaseMs: 1000, intervalMs: 5500 }

  test('the same seed gives the same schedule; another seed another one', () => {
    assert.deepEqual(planSchedule(ci), planSchedule({ ...ci }))
    assert.notDeepEqual(planSchedule(ci), planSchedule({ ...ci, seed: 8 }))
  })

  test('the CI run: at least 5 master kills, a pause past the lease, a partition, each kill restarted', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const plan = planSchedule({ ...ci, seed })
      const kills = plan.filter(f => f.kind === 'kill')
      assert.ok(kills.length >= 5, `seed ${seed}: ${kills.length} kills`)
      const pauses = plan.flatMap(f => f.kind === 'pause' ? [f] : [])
      assert.equal(pauses.length, 1)
      assert.ok(pauses.every(p => p.durationMs > 2 * ci.leaseMs))
      assert.equal(plan.filter(f => f.kind === 'partition').length, 1)
      const restarts = plan.filter(f => f.kind === 'restart')
      assert.deepEqual(restarts.map(r => plan[r.of]), kills)
      assert.ok(restarts.every(r => r.at > plan[r.of]!.at))
      assert.ok(planEnd(plan) < ci.durationMs + 10_000)
    }
  })

  test('a master fault starts only after the previous one is over and the cluster had time to settle', () => {
    for (let seed = 1; seed <= 50; seed++) {
      let busyUntil = -Infinity
      for (const f of planSchedule({ ...ci, seed, faults: ['kill', 'pause', 'partition', 'restart', 'loss'] })) {
        if (f.kind === 'loss') continue
        if (f.kind !== 'restart') assert.ok(f.at >= busyUntil, `seed ${seed}: ${f.kind} at ${f.at} before ${busyUntil}`)
        if (f.kind === 'kill') busyUntil = f.at
        else if (f.kind === 'restart') busyUntil = f.at + SETTLE_MS
        else busyUntil = f.at + f.durationMs + SETTLE_MS
      }
    }
  })

  test('without restarts, no more than a minority of the nodes is killed', () => {
    const plan = planSchedule({ ...ci, nodes: 5, faults: ['kill', 'pause'] })
    assert.equal(plan.filter(f => f.kind === 'kill').length, 2)
    assert.ok(plan.filter(f => f.kind === 'pause').length >= 5, 'the other slots become pauses')
    assert.equal(plan.filter(f => f.kind === 'restart').length, 0)
  })

  test('loss alone: windows on hosts by number, with rates and delays in range', () => {
    const plan = planSchedule({ ...ci, faults: ['loss'] })
    assert.ok(plan.length >= 5)
    for (const f of plan) {
      assert.equal(f.kind, 'loss')
      if (f.kind !== 'loss') continue
      assert.ok(f.host >= 1 && f.host <= 3)
      assert.ok(f.lossPercent >= 5 && f.lossPercent <= 20)
    }
  })
})

describe('chaos options', () => {
  test('durations', () => {
    assert.deepEqual(parseDuration('60s'), { ok: true, value: 60_000 })
    assert.deepEqual(parseDuration('2m'), { ok: true, value: 120_000 })
    assert.deepEqual(parseDuration('1500ms'), { ok: true, value: 1500 })
    assert.deepEqual(parseDuration('45'), { ok: true, value: 45_000 })
    assert.equal(parseDuration('soon').ok, false)
    assert.equal(parseDuration('0s').ok, false)
  })

  test('fault lists', () => {
    assert.deepEqual(parseFaults('kill, pause,kill'), { ok: true, value: ['kill', 'pause'] })
    const bad = parseFaults('kill,meteor')
    assert.equal(bad.ok, false)
    assert.match(bad.ok ? '' : bad.reason, /unknown fault "meteor"/)
  })
})
