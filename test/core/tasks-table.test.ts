import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TaskTable } from '../../src/core/tasks/table.js'
import { createScheduler } from '../../src/core/tasks/scheduler-port.js'
import type { TableParams, WorkerInfo } from '../../src/core/tasks/table-types.js'
import type { DoneMessage, TaskMessage } from '../../src/core/tasks/messages.js'
import type { TaskSpec } from '../../src/core/tasks/types.js'
import { drain, firstFit, sent, spec, workerInfo } from '../sim/tasks-fixtures.js'

const EPOCH = 5

function table (workers: WorkerInfo[] = [workerInfo('w1'), workerInfo('w2')], params: Partial<TableParams> = {}, now = 0): TaskTable {
  return new TaskTable({ epoch: EPOCH, now, workers, params, scheduler: createScheduler({ place: firstFit }) })
}

/** A table whose workers have all reported nothing: placement is on. */
function activeTable (workers?: WorkerInfo[], params: Partial<TableParams> = {}): TaskTable {
  const t = table(workers, params)
  for (const w of workers ?? [workerInfo('w1'), workerInfo('w2')]) t.receive(w.id, [{ kind: 'report', epoch: EPOCH, running: [], finished: [], more: false }], 0)
  drain(t)
  return t
}

function submit (t: TaskTable, specs: TaskSpec[], now: number, from = 'sub'): void {
  t.receive(from, [{ kind: 'submit', tasks: specs }], now)
}

function done (id: string, attempt: number, over: Partial<DoneMessage> = {}): DoneMessage {
  return { kind: 'done', epoch: EPOCH, id, attempt, submitter: 'sub', durationMs: 3, timedOut: false, ok: true, value: `${id}-result`, ...over } as DoneMessage
}

function failed (id: string, attempt: number, message = 'boom'): DoneMessage {
  return { kind: 'done', epoch: EPOCH, id, attempt, submitter: 'sub', durationMs: 3, timedOut: false, ok: false, error: { code: 'handler-error', message } }
}

/** Where each task was assigned in these messages: id -> [node, attempt]. */
function assignments (out: { messages: Array<{ to: string, msg: TaskMessage }> }): Record<string, [string, number]> {
  const r: Record<string, [string, number]> = {}
  for (const { to, msg } of out.messages) {
    if (msg.kind !== 'assign') continue
    assert.equal(msg.epoch, EPOCH, 'every assign carries the epoch')
    for (const o of msg.tasks) r[o.spec.id] = [to, o.attempt]
  }
  return r
}

describe('TaskTable: reconciliation after becoming master', () => {
  test('asks every alive worker to sync, accepts submissions, and places nothing until all reported', () => {
    const t = table()
    assert.deepEqual(drain(t).messages, [
      { to: 'w1', msg: { kind: 'sync', epoch: EPOCH } },
      { to: 'w2', msg: { kind: 'sync', epoch: EPOCH } }
    ])
    submit(t, [spec('a')], 1)
    let out = drain(t)
    assert.deepEqual(sent(out.messages, 'accepted', 'sub'), [{ kind: 'accepted', ids: ['a'] }])
    assert.equal(sent(out.messages, 'assign').length, 0)
    t.receive('w1', [{ kind: 'report', epoch: EPOCH, running: [], finished: [], more: false }], 2)
    assert.equal(sent(drain(t).messages, 'assign').length, 0)
    assert.equal(t.reconciling, true)
    // A part with more: true does not count as the worker's full report.
    t.receive('w2', [{ kind: 'report', epoch: EPOCH, running: [], finished: [], more: true }], 3)
    assert.equal(t.reconciling, true)
    t.receive('w2', [{ kind: 'report', epoch: EPOCH, running: [], finished: [], more: false }], 4)
    out = drain(t)
    assert.equal(t.reconciling, false)
    assert.deepEqual(out.events.find(e => e.type === 'reconciled'), { type: 'reconciled', at: 4, reported: ['w1', 'w2'], missing: [] })
    assert.deepEqual(assignments(out), { a: ['w1', 1] })
  })

  test('gives up waiting after reconcileTimeoutMs (300 ms by default) and names the silent workers', () => {
    const t = table()
    submit(t, [spec('a')], 0)
    t.receive('w1', [{ kind: 'report', epoch: EPOCH, running: [], finished: [], more: false }], 1)
    drain(t)
    t.tick(299)
    assert.equal(t.reconciling, true)
    t.tick(300)
    const out = drain(t)
    assert.deepEqual(out.events.find(e => e.type === 'reconciled'), { type: 'reconciled', at: 300, reported: ['w1'], missing: ['w2'] })
    assert.equal(Object.keys(assignments(out)).length, 1)
  })

  test('a report for another epoch is ignored', () => {
    const t = table([workerInfo('w1')])
    t.receive('w1', [{ kind: 'report', epoch: EPOCH - 1, running: [], finished: [], more: false }], 1)
    assert.equal(t.reconciling, true)
  })

  test('a task a worker reports running is not placed again, even if re-submitted first', () => {
    const t = table()
    drain(t)
    submit(t, [spec('a'), spec('b')], 1)
    t.receive('w2', [{ kind: 'report', epoch: EPOCH, running: [{ spec: spec('a'), attempt: 2, epoch: EPOCH - 1, elapsedMs: 40 }], finished: [], more: false }], 2)
    t.receive('w1', [{ kind: 'report', epoch: EPOCH, running: [], finished: [], more: false }], 3)
    const out = drain(t)
    assert.deepEqual(assignments(out), { b: ['w1', 3 - 2] })
    const view = t.task('a')
    assert.equal(view?.state, 'running')
    assert.deepEqual(view?.attempts.map(a => [a.attempt, a.node, a.epoch, a.startedAt]), [[2, 'w2', EPOCH - 1, 2 - 40]])
    // Its result completes it normally.
    t.receive('w2', [done('a', 2)], 10)
    const after = drain(t)
    assert.deepEqual(sent(after.messages, 'result', 'sub').map(r => [r.id, r.ok, r.attempts, r.node]), [['a', true, 2, 'w2']])
    assert.equal(t.snapshot().counters.duplicatesSeen, 0)
  })

  test('a running task reported before its re-submission is adopted, and the re-submission is a no-op', () => {
    const t = table([workerInfo('w1')])
    drain(t)
    t.receive('w1', [{ kind: 'report', epoch: EPOCH, running: [{ spec: spec('a'), attempt: 1, epoch: 4, elapsedMs: 0 }], finished: [], more: false }], 1)
    submit(t, [spec('a')], 2)
    const out = drain(t)
    assert.deepEqual(sent(out.messages, 'accepted', 'sub'), [{ kind: 'accepted', ids: ['a'] }])
    assert.deepEqual(assignments(out), {})
    assert.equal(t.snapshot().counters.adopted, 1)
  })

  test('finished results in a report are forwarded to their submitters, then acknowledged', () => {
    const t = table([workerInfo('w1')])
    drain(t)
    t.receive('w1', [{ kind: 'report', epoch: EPOCH, running: [], finished: [done('a', 1, { epoch: 4, submitter: 'other' })], more: false }], 1)
    let out = drain(t)
    assert.deepEqual(sent(out.messages, 'result', 'other').map(r => [r.id, r.ok, r.node]), [['a', true, 'w1']])
    assert.equal(sent(out.messages, 'doneAck').length, 0, 'acknowledged only after the result went out')
    t.tick(2)
    out = drain(t)
    assert.deepEqual(sent(out.messages, 'doneAck', 'w1'), [{ kind: 'doneAck', ids: ['a'] }])
    // The submitter's re-submission gets the result, not a second run.
    submit(t, [spec('a', { submitter: 'other' })], 3, 'other')
    out = drain(t)
    assert.deepEqual(sent(out.messages, 'result', 'other').map(r => r.id), ['a'])
    assert.deepEqual(assignments(out), {})
  })

  test('a reported failure of an unknown task is acknowledged but not recorded: the re-submission runs it', () => {
    const t = table([workerInfo('w1')])
    drain(t)
    t.receive('w1', [{ kind: 'report', epoch: EPOCH, running: [], finished: [failed('a', 1)], more: false }], 1)
    assert.equal(t.task('a'), undefined)
    submit(t, [spec('a')], 2)
    assert.deepEqual(assignments(drain(t)), { a: ['w1', 1] })
  })

  test('a dead worker is no longer waited for', () => {
    const t = table()
    t.receive('w1', [{ kind: 'report', epoch: EPOCH, running: [], finished: [], more: false }], 1)
    t.workerDead('w2', 2)
    assert.equal(t.reconciling, false)
  })
})

describe('TaskTable: with the real scheduler (the default)', () => {
  test('placement records every candidate for explain; an impossible task is rejected with the reason', () => {
    const t = new TaskTable({ epoch: EPOCH, now: 0, workers: [workerInfo('w1', 1), workerInfo('w2', 1, ['other'])] })
    t.receive('w1', [{ kind: 'report', epoch: EPOCH, running: [], finished: [], more: false }], 0)
    t.receive('w2', [{ kind: 'report', epoch: EPOCH, running: [], finished: [], more: false }], 0)
    drain(t)
    submit(t, [spec('a'), spec('gpu', { type: 'gpu' })], 1)
    const out = drain(t)
    assert.deepEqual(assignments(out), { a: ['w1', 1] })
    const decision = t.task('a')?.attempts[0]?.decision
    assert.equal(decision?.policy, 'least-loaded')
    assert.deepEqual(decision?.candidates.map(c => [c.nodeId, c.ruledOut !== undefined]), [['w1', false], ['w2', true]])
    const [rejected] = sent(out.messages, 'rejected', 'sub')
    assert.ok(rejected !== undefined && rejected.code === 'no-eligible-node' && rejected.reason.includes("'gpu'"), rejected?.reason)
  })
})

describe('TaskTable: submission and placement', () => {
  test('assigns are batched per worker and carry the epoch', () => {
    const t = activeTable([workerInfo('w1', 2), workerInfo('w2', 2)])
    submit(t, ['a', 'b', 'c'].map(id => spec(id)), 1)
    const out = drain(t)
    const assigns = sent(out.messages, 'assign')
    assert.equal(assigns.length, 2)
    assert.deepEqual(assignments(out), { a: ['w1', 1], b: ['w1', 1], c: ['w2', 1] })
    assert.deepEqual(t.snapshot().placed.w1, { tasks: 2, slots: 2, cpus: 0, memoryBytes: 0, resources: {} })
  })

  test('a duplicate submission of a live task is confirmed but not run again', () => {
    const t = activeTable()
    submit(t, [spec('a')], 1)
    drain(t)
    submit(t, [spec('a')], 2)
    const out = drain(t)
    assert.deepEqual(sent(out.messages, 'accepted', 'sub'), [{ kind: 'accepted', ids: ['a'] }])
    assert.deepEqual(assignments(out), {})
    assert.equal(t.snapshot().counters.submitted, 1)
  })

  test('ack -> running; done -> result to the submitter, doneAck to the worker on the next tick', () => {
    const t = activeTable()
    submit(t, [spec('a')], 1)
    drain(t)
    t.receive('w1', [{ kind: 'ack', epoch: EPOCH, ids: ['a'] }], 2)
    assert.equal(t.task('a')?.state, 'running')
    t.receive('w1', [done('a', 1, { durationMs: 8 })], 10)
    let out = drain(t)
    assert.deepEqual(sent(out.messages, 'result', 'sub'), [{ kind: 'result', id: 'a', attempts: 1, node: 'w1', durationMs: 8, ok: true, value: 'a-result' }])
    assert.equal(t.task('a')?.state, 'done')
    assert.deepEqual(t.snapshot().placed, {})
    t.tick(11)
    out = drain(t)
    assert.deepEqual(sent(out.messages, 'doneAck', 'w1'), [{ kind: 'doneAck', ids: ['a'] }])
    // A repeated submission is answered with the kept result.
    submit(t, [spec('a')], 12)
    assert.deepEqual(sent(drain(t).messages, 'result', 'sub').map(r => r.id), ['a'])
  })

  test('acks for another epoch or from another node change nothing', () => {
    const t = activeTable()
    submit(t, [spec('a')], 1)
    drain(t)
    t.receive('w1', [{ kind: 'ack', epoch: EPOCH + 1, ids: ['a'] }], 2)
    t.receive('w2', [{ kind: 'ack', epoch: EPOCH, ids: ['a'] }], 2)
    assert.equal(t.task('a')?.state, 'placed')
  })

  test('a task no node could ever run is rejected with the reason', () => {
    const t = activeTable()
    submit(t, [spec('a', { type: 'gpu' })], 1)
    const [rejected] = sent(drain(t).messages, 'rejected', 'sub')
    assert.equal(rejected?.code, 'no-eligible-node')
    assert.ok(rejected !== undefined && rejected.reason.length > 0)
    assert.equal(t.task('a'), undefined)
  })

  test('beyond maxLive unfinished tasks, submissions are rejected with queue-full', () => {
    const t = activeTable(undefined, { maxLive: 2 })
    submit(t, ['a', 'b', 'c'].map(id => spec(id)), 1)
    const out = drain(t)
    assert.deepEqual(sent(out.messages, 'accepted', 'sub').flatMap(m => m.ids), ['a', 'b'])
    assert.deepEqual(sent(out.messages, 'rejected', 'sub').map(r => [r.id, r.code]), [['c', 'queue-full']])
  })

  test('a task naming another node as submitter is rejected as invalid', () => {
    const t = activeTable()
    submit(t, [spec('a', { submitter: 'someone' })], 1)
    assert.deepEqual(sent(drain(t).messages, 'rejected', 'sub').map(r => r.code), ['invalid'])
  })

  test('tasks wait in the queue while no worker has room, then go in priority order', () => {
    const t = activeTable([workerInfo('w1', 1)])
    submit(t, [spec('a')], 1)
    submit(t, [spec('low', { priority: -5 }), spec('high', { priority: 5 })], 1)
    assert.deepEqual(assignments(drain(t)), { a: ['w1', 1] })
    assert.equal(t.snapshot().queueLength, 2)
    assert.equal(t.task('high')?.deferReason, 'no-capacity-now')
    t.receive('w1', [done('a', 1)], 2)
    assert.deepEqual(assignments(drain(t)), { high: ['w1', 1] })
  })
})

describe('TaskTable: failures, retries and time-outs', () => {
  test('a handler error is retried with exponential back-off, then fails with the error', () => {
    const t = activeTable([workerInfo('w1')])
    submit(t, [spec('a', { retries: 2, backoffMs: 100 })], 0)
    drain(t)
    t.receive('w1', [failed('a', 1, 'first')], 10)
    let out = drain(t)
    assert.deepEqual(assignments(out), {})
    assert.deepEqual(out.events.find(e => e.type === 'retry'), { type: 'retry', id: 'a', attempt: 2, reason: 'handler-error: first', notBefore: 110 })
    t.tick(109)
    assert.deepEqual(assignments(drain(t)), {})
    t.tick(110)
    assert.deepEqual(assignments(drain(t)), { a: ['w1', 2] }, 'back on the only node, though it is avoided')
    t.receive('w1', [failed('a', 2, 'second')], 120)
    drain(t)
    t.tick(319)
    assert.deepEqual(assignments(drain(t)), {})
    t.tick(320)
    assert.deepEqual(assignments(drain(t)), { a: ['w1', 3] }, 'second back-off is 200 ms')
    t.receive('w1', [failed('a', 3, 'third')], 330)
    out = drain(t)
    assert.deepEqual(sent(out.messages, 'result', 'sub'), [{ kind: 'result', id: 'a', attempts: 3, node: 'w1', durationMs: 3, ok: false, error: { code: 'handler-error', message: 'third' } }])
    const c = t.snapshot().counters
    assert.deepEqual([c.retried, c.failed, c.completed], [2, 1, 0])
    assert.deepEqual(t.task('a')?.attempts.map(a => a.outcome), ['error', 'error', 'error'])
  })

  test('a retry avoids the node whose attempt failed when another fits', () => {
    const t = activeTable()
    submit(t, [spec('a', { retries: 1, backoffMs: 0 })], 0)
    drain(t)
    t.receive('w1', [failed('a', 1)], 5)
    assert.deepEqual(assignments(drain(t)), { a: ['w2', 2] })
  })

  test('back-off is capped by maxBackoffMs', () => {
    const t = activeTable([workerInfo('w1')], { maxBackoffMs: 150 })
    submit(t, [spec('a', { retries: 5, backoffMs: 100 })], 0)
    drain(t)
    t.receive('w1', [failed('a', 1)], 0)
    drain(t)
    t.tick(100)
    drain(t)
    t.receive('w1', [failed('a', 2)], 100)
    const retry = drain(t).events.find(e => e.type === 'retry')
    assert.equal(retry?.type === 'retry' ? retry.notBefore : -1, 250)
  })

  test('a time-out reported by the worker counts as a failure and is retried', () => {
    const t = activeTable([workerInfo('w1')])
    submit(t, [spec('a', { retries: 1, backoffMs: 0 })], 0)
    drain(t)
    t.receive('w1', [{ ...failed('a', 1), timedOut: true, error: { code: 'timeout', message: 'too slow' } } as DoneMessage], 1000)
    assert.deepEqual(assignments(drain(t)), { a: ['w1', 2] })
    assert.equal(t.snapshot().counters.timedOut, 1)
    assert.equal(t.snapshot().counters.duplicatesRisked, 0)
  })

  test('no result by timeoutMs + graceMs: the attempt is aborted, counted as risked, and retried', () => {
    const t = activeTable(undefined, { graceMs: 500 })
    submit(t, [spec('a', { timeoutMs: 1000, retries: 1, backoffMs: 0 })], 0)
    drain(t)
    t.receive('w1', [{ kind: 'ack', epoch: EPOCH, ids: ['a'] }], 1)
    t.tick(1499)
    assert.equal(drain(t).messages.length, 0)
    t.tick(1500)
    const out = drain(t)
    assert.deepEqual(sent(out.messages, 'abort', 'w1'), [{ kind: 'abort', epoch: EPOCH, id: 'a' }])
    assert.deepEqual(assignments(out), { a: ['w2', 2] })
    const c = t.snapshot().counters
    assert.deepEqual([c.timedOut, c.duplicatesRisked, c.retried], [1, 1, 1])
    // The lost attempt's result turns up after all: that is a seen duplicate, and it still counts.
    t.receive('w1', [done('a', 1)], 1600)
    const late = drain(t)
    assert.deepEqual(sent(late.messages, 'result', 'sub').map(r => [r.id, r.node]), [['a', 'w1']])
    assert.deepEqual(sent(late.messages, 'abort', 'w2'), [{ kind: 'abort', epoch: EPOCH, id: 'a' }])
    assert.equal(t.snapshot().counters.duplicatesSeen, 1)
    assert.equal(t.task('a')?.state, 'done')
  })

  test("a dead worker's tasks are re-queued at once and placed elsewhere; each counts as risked", () => {
    const t = activeTable()
    submit(t, [spec('a'), spec('b'), spec('c')], 0)
    assert.deepEqual(assignments(drain(t)), { a: ['w1', 1], b: ['w1', 1], c: ['w2', 1] })
    t.receive('w2', [done('c', 1)], 5)
    t.receive('w1', [{ kind: 'ack', epoch: EPOCH, ids: ['a'] }], 5)
    drain(t)
    t.workerDead('w1', 10)
    const out = drain(t)
    assert.deepEqual(out.events.find(e => e.type === 'worker-lost'), { type: 'worker-lost', node: 'w1', requeued: ['a', 'b'] })
    assert.deepEqual(assignments(out), { a: ['w2', 2], b: ['w2', 2] })
    assert.equal(t.snapshot().counters.duplicatesRisked, 2)
    assert.equal(t.snapshot().placed.w1, undefined)
    assert.deepEqual(t.task('a')?.attempts.map(a => [a.node, a.outcome]), [['w1', 'worker-lost'], ['w2', null]])
  })

  test('a task whose workers keep dying fails with worker-lost after maxWorkerLosses', () => {
    const nodes = ['w1', 'w2', 'w3']
    const t = activeTable(nodes.map(id => workerInfo(id)), { maxWorkerLosses: 2 })
    submit(t, [spec('a')], 0)
    drain(t)
    for (const [i, node] of nodes.entries()) t.workerDead(node, i + 1)
    const result = sent(drain(t).messages, 'result', 'sub')[0]
    assert.ok(result !== undefined && !result.ok && result.error.code === 'worker-lost')
  })

  test('a refused task is placed elsewhere after refuseBackoffMs', () => {
    const t = activeTable(undefined, { refuseBackoffMs: 50 })
    submit(t, [spec('a')], 0)
    drain(t)
    t.receive('w1', [{ kind: 'refuse', epoch: EPOCH, id: 'a', reason: 'full: needs 1 slot(s), 2/2 used' }], 1)
    assert.deepEqual(drain(t).events.find(e => e.type === 'refused'), { type: 'refused', id: 'a', node: 'w1', reason: 'full: needs 1 slot(s), 2/2 used' })
    t.tick(50)
    assert.deepEqual(assignments(drain(t)), {})
    t.tick(51)
    assert.deepEqual(assignments(drain(t)), { a: ['w2', 2] })
    assert.equal(t.snapshot().counters.refused, 1)
  })

  test('a task refused maxRefusals times in a row fails with the last reason', () => {
    const t = activeTable([workerInfo('w1')], { maxRefusals: 1, refuseBackoffMs: 0 })
    submit(t, [spec('a')], 0)
    drain(t)
    t.receive('w1', [{ kind: 'refuse', epoch: EPOCH, id: 'a', reason: 'r1' }], 1)
    drain(t)
    t.receive('w1', [{ kind: 'refuse', epoch: EPOCH, id: 'a', reason: 'r2' }], 2)
    const result = sent(drain(t).messages, 'result', 'sub')[0]
    assert.ok(result !== undefined && !result.ok && result.error.code === 'refused' && result.error.message.endsWith('r2'))
  })

  test('fenced refusals (a worker saw a newer epoch) never fail the task: a deposed table sends no verdict', () => {
    const t = activeTable([workerInfo('w1')], { maxRefusals: 1, refuseBackoffMs: 0 })
    submit(t, [spec('a')], 0)
    drain(t)
    for (let i = 1; i <= 5; i++) {
      t.receive('w1', [{ kind: 'refuse', epoch: EPOCH, id: 'a', reason: 'stale master', fenced: true }], i)
      const out = drain(t)
      assert.deepEqual(sent(out.messages, 'result', 'sub'), [])
      assert.deepEqual(assignments(out), { a: ['w1', i + 1] }, 'placed again on the same worker: it is not avoided')
    }
    assert.equal(t.task('a')?.state, 'placed')
  })

  test('a refusal for another epoch is ignored', () => {
    const t = activeTable()
    submit(t, [spec('a')], 0)
    drain(t)
    t.receive('w1', [{ kind: 'refuse', epoch: EPOCH - 1, id: 'a', reason: 'x' }], 1)
    assert.equal(t.task('a')?.state, 'placed')
  })
})

describe('TaskTable: cancellation, duplicates, retention and views', () => {
  test('cancelling a queued task finishes it; cancelling a running one also aborts it on its worker', () => {
    const t = activeTable([workerInfo('w1', 1)])
    submit(t, [spec('a'), spec('b')], 0)
    drain(t)
    t.receive('sub', [{ kind: 'cancel', id: 'b' }, { kind: 'cancel', id: 'a' }], 1)
    const out = drain(t)
    assert.deepEqual(sent(out.messages, 'abort', 'w1'), [{ kind: 'abort', epoch: EPOCH, id: 'a' }])
    assert.deepEqual(sent(out.messages, 'result', 'sub').map(r => [r.id, r.ok ? 'ok' : r.error.code]), [['b', 'cancelled'], ['a', 'cancelled']])
    assert.equal(t.snapshot().counters.cancelled, 2)
    assert.equal(t.snapshot().queueLength, 0)
  })

  test('only the submitter may cancel', () => {
    const t = activeTable()
    submit(t, [spec('a')], 0)
    drain(t)
    t.receive('w2', [{ kind: 'cancel', id: 'a' }], 1)
    assert.equal(t.task('a')?.state, 'placed')
  })

  test('the same result sent twice is processed once; the second done of a different live run is a seen duplicate', () => {
    const t = activeTable()
    submit(t, [spec('a')], 0)
    drain(t)
    t.receive('w1', [{ kind: 'ack', epoch: EPOCH, ids: ['a'] }], 1)
    t.receive('w1', [done('a', 1), done('a', 1)], 2)
    assert.equal(sent(drain(t).messages, 'result').length, 1)
    // A run a previous master ordered on another node reports afterwards.
    t.receive('w2', [done('a', 7, { epoch: EPOCH - 1 })], 3)
    const out = drain(t)
    assert.equal(sent(out.messages, 'result').length, 0)
    assert.deepEqual(out.events.filter(e => e.type === 'duplicate'), [{ type: 'duplicate', id: 'a', node: 'w2', attempt: 7 }])
    assert.equal(t.snapshot().counters.duplicatesSeen, 1)
  })

  test("a previous master's result from the same node as the live attempt is not a duplicate", () => {
    const t = activeTable()
    submit(t, [spec('a')], 0)
    drain(t)
    t.receive('w1', [done('a', 9, { epoch: EPOCH - 1 })], 1)
    const out = drain(t)
    assert.deepEqual(sent(out.messages, 'result', 'sub').map(r => r.id), ['a'])
    assert.equal(sent(out.messages, 'abort').length, 0)
    t.receive('w1', [done('a', 1)], 2)
    assert.equal(t.snapshot().counters.duplicatesSeen, 0)
  })

  test('finished tasks beyond maxFinished are forgotten oldest first; live ones never', () => {
    const t = activeTable([workerInfo('w1', 10)], { maxFinished: 2 })
    submit(t, ['a', 'b', 'c', 'live'].map(id => spec(id)), 0)
    drain(t)
    for (const [i, id] of ['a', 'b', 'c'].entries()) t.receive('w1', [done(id, 1)], i + 1)
    assert.equal(t.task('a'), undefined)
    assert.equal(t.task('b')?.state, 'done')
    assert.equal(t.task('c')?.state, 'done')
    assert.equal(t.task('live')?.state, 'placed')
  })

  test('finished tasks are forgotten after retentionMs; the same id then counts as new', () => {
    const t = activeTable([workerInfo('w1')], { retentionMs: 1000 })
    submit(t, [spec('a')], 0)
    t.receive('w1', [done('a', 1)], 10)
    t.tick(1009)
    assert.equal(t.task('a')?.state, 'done')
    t.tick(1010)
    assert.equal(t.task('a'), undefined)
    drain(t)
    submit(t, [spec('a')], 1011)
    assert.deepEqual(assignments(drain(t)), { a: ['w1', 1] })
  })

  test("the task view shows state, attempts with node/outcome/epoch, the placement decision and the result; it is a copy", () => {
    const t = activeTable()
    submit(t, [spec('a', { retries: 1, backoffMs: 0 })], 0)
    t.receive('w1', [failed('a', 1, 'nope')], 1)
    t.receive('w2', [done('a', 2)], 2)
    const view = t.task('a')
    assert.ok(view !== undefined)
    assert.equal(view.state, 'done')
    assert.equal(view.type, 'echo')
    assert.deepEqual(view.attempts.map(a => [a.attempt, a.node, a.epoch, a.outcome, a.detail, a.decision?.nodeId]), [
      [1, 'w1', EPOCH, 'error', 'nope', 'w1'],
      [2, 'w2', EPOCH, 'ok', null, 'w2']
    ])
    assert.equal(view.result?.ok, true)
    view.attempts[0]!.decision!.candidates.length = 0
    assert.equal(t.task('a')?.attempts[0]?.decision?.candidates.length, 1)
  })

  test('the snapshot counts states and counters', () => {
    const t = activeTable([workerInfo('w1', 1)])
    submit(t, [spec('a'), spec('b')], 0)
    const snap = t.snapshot()
    assert.equal(snap.epoch, EPOCH)
    assert.equal(snap.phase, 'active')
    assert.deepEqual(snap.states, { queued: 1, placed: 1, running: 0, done: 0, failed: 0, cancelled: 0 })
    assert.equal(snap.queueLength, 1)
    assert.equal(snap.counters.submitted, 2)
    assert.equal(snap.counters.placed, 1)
  })

  test('setWorkers makes new capacity usable at once', () => {
    const t = activeTable([workerInfo('w1', 1)])
    submit(t, [spec('a'), spec('b')], 0)
    drain(t)
    t.setWorkers([workerInfo('w1', 1), workerInfo('w3', 1)], 1)
    assert.deepEqual(assignments(drain(t)), { b: ['w3', 1] })
  })

  test('a done without an ack finishes the task (the worker folds the ack into it)', () => {
    const t = activeTable([workerInfo('w1')])
    submit(t, [spec('a')], 1)
    assert.deepEqual(assignments(drain(t)), { a: ['w1', 1] })
    t.receive('w1', [done('a', 1, { durationMs: 3 })], 10)
    const out = drain(t)
    assert.deepEqual(sent(out.messages, 'result', 'sub').map(r => [r.id, r.ok, r.node]), [['a', true, 'w1']])
    const attempt = t.task('a')?.attempts[0]
    assert.equal(attempt?.outcome, 'ok')
    assert.equal(attempt?.startedAt, 7, 'started durationMs before the done arrived')
    assert.equal(t.snapshot().counters.duplicatesSeen, 0)
  })
})

