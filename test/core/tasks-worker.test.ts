import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { WorkerLedger, type CheckOrder } from '../../src/core/tasks/worker.js'
import type { AttemptOrder } from '../../src/core/tasks/messages.js'
import { drain, sent, spec } from '../sim/tasks-fixtures.js'

/** A guard that accepts orders from `master` at epochs >= `epoch`, like the election's FencingGuard. */
function guard (state: { master: string, epoch: number }): CheckOrder {
  return (epoch, from) => {
    if (epoch < state.epoch) return { ok: false, reason: `epoch ${epoch} is older than ${state.epoch}` }
    if (epoch === state.epoch && from !== state.master) return { ok: false, reason: `${from} is not the master of epoch ${epoch}` }
    return { ok: true }
  }
}

function orders (...ids: string[]): AttemptOrder[] {
  return ids.map(id => ({ spec: spec(id), attempt: 1 }))
}

function newWorker (slots = 2, over: Partial<ConstructorParameters<typeof WorkerLedger>[0]> = {}): { w: WorkerLedger, fence: { master: string, epoch: number } } {
  const fence = { master: 'm1', epoch: 1 }
  const w = new WorkerLedger({ slots, handlers: { echo: {} }, ...over }, guard(fence))
  w.masterChanged('m1', 1, 0)
  return { w, fence }
}

describe('WorkerLedger', () => {
  test('an assignment starts the task and is acked; its result goes to the master until acknowledged', () => {
    const { w } = newWorker()
    w.assign('m1', 1, orders('a'), 0)
    const out = drain(w)
    assert.deepEqual(out.starts.map(s => [s.spec.id, s.attempt, s.epoch]), [['a', 1, 1]])
    assert.deepEqual(sent(out.messages, 'ack', 'm1'), [{ kind: 'ack', epoch: 1, ids: ['a'] }])
    w.finished('a', { ok: true, value: 7 }, 40)
    const done = sent(drain(w).messages, 'done', 'm1')
    assert.deepEqual(done, [{ kind: 'done', epoch: 1, id: 'a', attempt: 1, submitter: 'sub', durationMs: 40, timedOut: false, ok: true, value: 7 }])
    assert.equal(w.snapshot().unackedResults, 1)
    w.receive('m1', [{ kind: 'doneAck', ids: ['a'] }], 41)
    assert.equal(w.snapshot().unackedResults, 0)
  })

  test('an order from a stale master is refused with the guard reason and starts nothing', () => {
    const { w, fence } = newWorker()
    fence.epoch = 2
    fence.master = 'm2'
    w.assign('m1', 1, orders('a', 'b'), 0)
    const out = drain(w)
    assert.equal(out.starts.length, 0)
    assert.deepEqual(sent(out.messages, 'refuse', 'm1').map(r => [r.id, r.reason, r.fenced]), [
      ['a', 'stale master: epoch 1 is older than 2', true],
      ['b', 'stale master: epoch 1 is older than 2', true]
    ])
    assert.equal(out.events[0]?.type, 'fenced')
    // Other orders from it are ignored too.
    w.receive('m1', [{ kind: 'sync', epoch: 1 }, { kind: 'abort', epoch: 1, id: 'a' }], 1)
    const later = drain(w)
    assert.equal(later.messages.length, 0)
    assert.deepEqual(later.events.map(e => e.type), ['fenced', 'fenced'])
  })

  test('a task already running is acked, not started again, and answers under the new attempt number', () => {
    const { w, fence } = newWorker()
    w.assign('m1', 1, orders('a'), 0)
    drain(w)
    fence.master = 'm2'
    fence.epoch = 2
    w.assign('m2', 2, [{ spec: spec('a'), attempt: 3 }], 5)
    const out = drain(w)
    assert.equal(out.starts.length, 0)
    assert.deepEqual(sent(out.messages, 'ack', 'm2'), [{ kind: 'ack', epoch: 2, ids: ['a'] }])
    w.finished('a', { ok: true, value: 1 }, 10)
    const done = sent(drain(w).messages, 'done')
    assert.equal(done.length, 1)
    assert.deepEqual([done[0]?.attempt, done[0]?.epoch], [3, 2])
  })

  test('a task already finished is not run again: its result is sent again, even after it was acknowledged', () => {
    const { w } = newWorker()
    w.assign('m1', 1, orders('a'), 0)
    w.finished('a', { ok: false, error: { code: 'handler-error', message: 'boom' } }, 3)
    w.receive('m1', [{ kind: 'doneAck', ids: ['a'] }], 4)
    drain(w)
    w.assign('m1', 1, [{ spec: spec('a'), attempt: 2 }], 5)
    const out = drain(w)
    assert.equal(out.starts.length, 0)
    assert.deepEqual(sent(out.messages, 'ack', 'm1').map(a => a.ids), [['a']])
    const done = sent(out.messages, 'done', 'm1')
    assert.equal(done.length, 1)
    assert.equal(done[0]?.attempt, 2)
    assert.equal(done[0]?.ok, false)
  })

  test('slots, per-type concurrency and missing handlers refuse with a reason', () => {
    const { w } = newWorker(2, { handlers: { echo: {}, gpu: { concurrency: 1 } } })
    w.assign('m1', 1, [
      { spec: spec('g1', { type: 'gpu' }), attempt: 1 },
      { spec: spec('g2', { type: 'gpu' }), attempt: 1 },
      { spec: spec('big', { req: { slots: 2, cpus: 0, memoryBytes: 0, resources: {}, constraints: {} } }), attempt: 1 },
      { spec: spec('e1'), attempt: 1 },
      { spec: spec('e2'), attempt: 1 },
      { spec: spec('x', { type: 'nope' }), attempt: 1 }
    ], 0)
    const out = drain(w)
    assert.deepEqual(out.starts.map(s => s.spec.id), ['g1', 'e1'])
    assert.deepEqual(sent(out.messages, 'refuse').map(r => [r.id, r.reason]), [
      ['g2', "full: 1/1 'gpu' tasks running"],
      ['big', 'full: needs 2 slot(s), 1/2 used'],
      ['e2', 'full: needs 1 slot(s), 2/2 used'],
      ['x', "no handler for type 'nope'"]
    ])
    assert.equal(w.snapshot().usedSlots, 2)
  })

  test('inherited object keys are not handlers', () => {
    const { w } = newWorker()
    w.assign('m1', 1, [{ spec: spec('a', { type: 'constructor' }), attempt: 1 }], 0)
    assert.deepEqual(sent(drain(w).messages, 'refuse').map(r => r.reason), ["no handler for type 'constructor'"])
  })

  test('an attempt that runs past timeoutMs is aborted, reported as timed out, and frees its slot', () => {
    const { w } = newWorker(1)
    w.assign('m1', 1, [{ spec: spec('a', { timeoutMs: 100 }), attempt: 1 }], 0)
    drain(w)
    w.tick(99)
    assert.equal(drain(w).aborts.length, 0)
    w.tick(100)
    const out = drain(w)
    assert.deepEqual(out.aborts, [{ id: 'a', reason: 'timeout' }])
    const [done] = sent(out.messages, 'done', 'm1')
    assert.ok(done !== undefined && !done.ok && done.timedOut && done.error.code === 'timeout')
    assert.equal(w.snapshot().usedSlots, 0)
    // The handler's late outcome changes nothing.
    w.finished('a', { ok: true, value: 1 }, 150)
    assert.equal(drain(w).messages.length, 0)
  })

  test("the master's abort stops the task and reports it cancelled", () => {
    const { w } = newWorker()
    w.assign('m1', 1, orders('a'), 0)
    drain(w)
    w.receive('m1', [{ kind: 'abort', epoch: 1, id: 'a' }], 5)
    const out = drain(w)
    assert.deepEqual(out.aborts, [{ id: 'a', reason: 'cancelled' }])
    const [done] = sent(out.messages, 'done', 'm1')
    assert.ok(done !== undefined && !done.ok && done.error.code === 'cancelled')
    assert.equal(w.snapshot().running.length, 0)
  })

  test('sync is answered with running tasks and unacknowledged results', () => {
    const { w, fence } = newWorker()
    w.assign('m1', 1, orders('a', 'b'), 0)
    w.finished('b', { ok: true, value: 'B' }, 20)
    drain(w)
    fence.master = 'm2'
    fence.epoch = 2
    w.receive('m2', [{ kind: 'sync', epoch: 2 }], 50)
    const out = drain(w)
    const reports = sent(out.messages, 'report', 'm2')
    assert.equal(reports.length, 1)
    assert.deepEqual(reports[0]?.running.map(r => [r.spec.id, r.attempt, r.epoch, r.elapsedMs]), [['a', 1, 1, 50]])
    assert.deepEqual(reports[0]?.finished.map(d => d.id), ['b'])
    assert.equal(reports[0]?.more, false)
    assert.equal(sent(out.messages, 'done').length, 0, 'the report carries the result; no separate done')
    w.receive('m2', [{ kind: 'doneAck', ids: ['b'] }], 51)
    assert.equal(w.snapshot().unackedResults, 0)
  })

  test('results acknowledged within reportAckedMs are reported again, older ones not', () => {
    const { w } = newWorker(2, { reportAckedMs: 1000 })
    w.assign('m1', 1, orders('a', 'b'), 0)
    w.finished('a', { ok: true, value: 'A' }, 1)
    w.receive('m1', [{ kind: 'doneAck', ids: ['a'] }], 10)
    w.finished('b', { ok: true, value: 'B' }, 500)
    w.receive('m1', [{ kind: 'doneAck', ids: ['b'] }], 600)
    drain(w)
    w.receive('m1', [{ kind: 'sync', epoch: 1 }], 1010)
    assert.deepEqual(sent(drain(w).messages, 'report', 'm1').flatMap(r => r.finished.map(d => d.id)), ['b'])
  })

  test('a long report is split into parts; only the last says more: false', () => {
    const { w } = newWorker(10)
    const big = 'y'.repeat(1_500_000)
    w.assign('m1', 1, ['a', 'b', 'c'].map(id => ({ spec: spec(id, { payload: big }), attempt: 1 })), 0)
    drain(w)
    w.receive('m1', [{ kind: 'sync', epoch: 1 }], 1)
    const reports = sent(drain(w).messages, 'report', 'm1')
    assert.ok(reports.length >= 2)
    assert.deepEqual(reports.map(r => r.more), [...reports.slice(1).map(() => true), false])
    assert.deepEqual(reports.flatMap(r => r.running.map(x => x.spec.id)), ['a', 'b', 'c'])
  })

  test('an empty sync answer is still one report', () => {
    const { w } = newWorker()
    w.receive('m1', [{ kind: 'sync', epoch: 1 }], 0)
    assert.deepEqual(sent(drain(w).messages, 'report', 'm1'), [{ kind: 'report', epoch: 1, running: [], finished: [], more: false }])
  })

  test('unacknowledged results go to a new master, and are re-sent periodically', () => {
    const { w } = newWorker(2, { doneResendMs: 1000 })
    w.assign('m1', 1, orders('a', 'b'), 0)
    w.finished('a', { ok: true, value: 1 }, 10)
    drain(w)
    w.masterChanged(null, 1, 20)
    w.finished('b', { ok: true, value: 2 }, 21)
    assert.equal(drain(w).messages.length, 0, 'no master known: the result waits')
    w.masterChanged('m2', 2, 30)
    assert.deepEqual(sent(drain(w).messages, 'done', 'm2').map(d => d.id), ['a', 'b'])
    w.tick(1029)
    assert.equal(drain(w).messages.length, 0)
    w.tick(1030)
    assert.deepEqual(sent(drain(w).messages, 'done', 'm2').map(d => d.id), ['a', 'b'])
    // A master announcement for an older term does not move it back.
    w.masterChanged('m1', 1, 1031)
    assert.equal(w.snapshot().master, 'm2')
  })

  test('a result too large for the wire becomes a result-too-large failure', () => {
    const { w } = newWorker(2, { maxResultBytes: 10 })
    w.assign('m1', 1, orders('a', 'b'), 0)
    w.finished('a', { ok: true, value: 'x'.repeat(20) }, 1)
    w.finished('b', { ok: true, value: 'small' }, 1)
    const [a, b] = sent(drain(w).messages, 'done', 'm1')
    assert.ok(a !== undefined && !a.ok && a.error.code === 'result-too-large' && a.error.message === 'result is 22 bytes of JSON, limit is 10')
    assert.ok(b !== undefined && b.ok && b.value === 'small')
  })

  test('only a master the result was sent to may acknowledge it', () => {
    const { w } = newWorker()
    w.assign('m1', 1, orders('a'), 0)
    w.finished('a', { ok: true, value: 1 }, 1)
    w.receive('intruder', [{ kind: 'doneAck', ids: ['a'] }], 2)
    assert.equal(w.snapshot().unackedResults, 1)
  })

  test('acknowledged results are kept for dedup only within recentMs and recentMax', () => {
    const { w } = newWorker(5, { recentMs: 1000, recentMax: 2 })
    w.assign('m1', 1, orders('a', 'b', 'c'), 0)
    for (const id of ['a', 'b', 'c']) w.finished(id, { ok: true, value: id }, 1)
    w.receive('m1', [{ kind: 'doneAck', ids: ['a', 'b', 'c'] }], 2)
    drain(w)
    // 'a' was evicted by the count cap: a re-assignment runs it again.
    w.assign('m1', 1, [{ spec: spec('a'), attempt: 2 }, { spec: spec('b'), attempt: 2 }], 3)
    assert.deepEqual(drain(w).starts.map(s => s.spec.id), ['a'])
    w.tick(1002)
    w.assign('m1', 1, [{ spec: spec('c'), attempt: 2 }], 1003)
    assert.deepEqual(drain(w).starts.map(s => s.spec.id), ['c'], 'c aged out of the dedup window')
  })

  test('a task that finishes before its ack left sends the done alone (it implies the ack)', () => {
    const { w } = newWorker(3)
    w.assign('m1', 1, orders('a', 'b'), 0)
    w.finished('a', { ok: true, value: 1 }, 0)
    const out = drain(w)
    assert.deepEqual(sent(out.messages, 'ack', 'm1').map(a => a.ids), [['b']], 'only the still-running task is acked')
    assert.deepEqual(sent(out.messages, 'done', 'm1').map(d => [d.id, d.epoch]), [['a', 1]])
    assert.deepEqual(out.events.filter(e => e.type === 'accepted').map(e => e.type === 'accepted' ? e.ids : []), [['a', 'b']], 'both orders were taken on')
    // Once the ack has left, a later finish is a plain done.
    w.assign('m1', 1, orders('c'), 1)
    assert.deepEqual(sent(drain(w).messages, 'ack', 'm1').map(a => a.ids), [['c']])
    w.finished('c', { ok: true, value: 3 }, 2)
    assert.deepEqual(drain(w).messages.map(m => m.msg.kind), ['done'])
  })

  test('an ack whose every task finished is not sent at all', () => {
    const { w } = newWorker()
    w.assign('m1', 1, orders('a'), 0)
    w.finished('a', { ok: false, error: { code: 'handler-error', message: 'boom' } }, 0)
    assert.deepEqual(drain(w).messages.map(m => m.msg.kind), ['done'])
  })

  test('no folding when the done goes to another master than the ack', () => {
    const { w, fence } = newWorker()
    w.assign('m1', 1, orders('a'), 0)
    fence.master = 'm2'
    fence.epoch = 2
    w.masterChanged('m2', 2, 0)
    w.finished('a', { ok: true, value: 1 }, 1)
    const out = drain(w)
    assert.deepEqual(sent(out.messages, 'ack', 'm1').map(a => a.ids), [['a']], 'm1 still hears its ack')
    assert.equal(sent(out.messages, 'done', 'm2').length, 1)
  })
})
