import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { SubmitterLedger } from '../../src/core/tasks/submitter.js'
import { MESSAGE_BUDGET_BYTES, jsonBytes } from '../../src/core/tasks/size.js'
import type { ResultMessage } from '../../src/core/tasks/messages.js'
import { drain, sent, spec } from '../sim/tasks-fixtures.js'

function okResult (id: string, value: unknown = 'v'): ResultMessage {
  return { kind: 'result', id, ok: true, value: value as string, attempts: 1, node: 'w1', durationMs: 5 }
}

describe('SubmitterLedger', () => {
  test('a task submitted without a master waits, then goes to the master once known', () => {
    const s = new SubmitterLedger('sub')
    assert.deepEqual(s.submit(spec('a'), 0), { ok: true })
    assert.equal(drain(s).messages.length, 0)
    s.masterChanged('m1', 1, 10)
    const out = drain(s)
    assert.deepEqual(sent(out.messages, 'submit', 'm1').map(m => m.tasks.map(t => t.id)), [['a']])
  })

  test('a result settles the task exactly once, even if it arrives twice', () => {
    const s = new SubmitterLedger('sub')
    s.masterChanged('m1', 1, 0)
    s.submit(spec('a'), 0)
    s.receive('m1', [{ kind: 'accepted', ids: ['a'] }], 1)
    s.receive('m1', [okResult('a', 42), okResult('a', 43)], 2)
    const out = drain(s)
    assert.equal(out.settlements.length, 1)
    assert.deepEqual(out.settlements[0], { id: 'a', ok: true, value: 42, attempts: 1, node: 'w1', durationMs: 5 })
    assert.equal(s.size, 0)
  })

  test('a new master gets every unsettled task again, accepted ones included', () => {
    const s = new SubmitterLedger('sub')
    s.masterChanged('m1', 1, 0)
    s.submit(spec('a'), 0)
    s.submit(spec('b'), 0)
    s.receive('m1', [{ kind: 'accepted', ids: ['a', 'b'] }], 1)
    s.receive('m1', [okResult('b')], 2)
    drain(s)
    s.masterChanged('m2', 2, 3)
    const out = drain(s)
    assert.deepEqual(sent(out.messages, 'submit', 'm2').flatMap(m => m.tasks.map(t => t.id)), ['a'])
    // Either master may deliver the result: both were sent the task.
    s.receive('m1', [okResult('a', 'from-old')], 4)
    assert.deepEqual(drain(s).settlements.map(x => x.id), ['a'])
  })

  test('the same master in a new term also gets the tasks again; a stale term is ignored', () => {
    const s = new SubmitterLedger('sub')
    s.masterChanged('m1', 3, 0)
    s.submit(spec('a'), 0)
    drain(s)
    s.masterChanged('m1', 2, 1)
    assert.equal(drain(s).messages.length, 0)
    s.masterChanged('m1', 4, 2)
    assert.equal(sent(drain(s).messages, 'submit', 'm1').length, 1)
  })

  test('the wait for a master is bounded and refused clearly when full', () => {
    const s = new SubmitterLedger('sub', { maxWaiting: 2 })
    assert.equal(s.submit(spec('a'), 0).ok, true)
    assert.equal(s.submit(spec('b'), 0).ok, true)
    const refused = s.submit(spec('c'), 0)
    assert.equal(refused.ok, false)
    assert.ok(!refused.ok && refused.code === 'no-master-queue-full' && /no master is known and 2 tasks already wait/.test(refused.reason))
    // With a master known the wait limit does not apply.
    s.masterChanged('m1', 1, 1)
    assert.equal(s.submit(spec('c'), 1).ok, true)
  })

  test('duplicate ids, foreign submitters and too many pending tasks are refused', () => {
    const s = new SubmitterLedger('sub', { maxPending: 2 })
    s.masterChanged('m1', 1, 0)
    s.submit(spec('a'), 0)
    const dup = s.submit(spec('a'), 0)
    assert.ok(!dup.ok && dup.code === 'duplicate')
    const foreign = s.submit(spec('x', { submitter: 'other' }), 0)
    assert.ok(!foreign.ok && foreign.code === 'invalid')
    s.submit(spec('b'), 0)
    const full = s.submit(spec('c'), 0)
    assert.ok(!full.ok && full.code === 'too-many-pending' && full.reason.includes('limit 2'))
  })

  test('with no master known, a task fails with no-master after submitTimeoutMs, not before', () => {
    const s = new SubmitterLedger('sub', { submitTimeoutMs: 1000 })
    s.submit(spec('a'), 0)
    s.tick(999)
    assert.equal(drain(s).settlements.length, 0)
    s.tick(1000)
    const out = drain(s)
    assert.equal(out.settlements.length, 1)
    const [settled] = out.settlements
    assert.ok(settled !== undefined && !settled.ok && settled.error.code === 'no-master' && /no master was known within 1000 ms/.test(settled.error.message))
    assert.equal(out.messages.length, 0)
  })

  test('a task sent but never accepted fails with submit-timeout and is withdrawn from the master', () => {
    const s = new SubmitterLedger('sub', { submitTimeoutMs: 1000, resendMs: 10_000 })
    s.masterChanged('m1', 1, 0)
    s.submit(spec('a'), 0)
    drain(s)
    s.tick(1000)
    const out = drain(s)
    assert.equal(out.settlements[0]?.ok, false)
    assert.ok(out.settlements[0] !== undefined && !out.settlements[0].ok && out.settlements[0].error.code === 'submit-timeout')
    assert.deepEqual(sent(out.messages, 'cancel', 'm1'), [{ kind: 'cancel', id: 'a' }])
  })

  test('an accepted task never times out waiting, even across a master-less gap', () => {
    const s = new SubmitterLedger('sub', { submitTimeoutMs: 1000 })
    s.masterChanged('m1', 1, 0)
    s.submit(spec('a'), 0)
    s.receive('m1', [{ kind: 'accepted', ids: ['a'] }], 1)
    s.masterChanged(null, 1, 2)
    s.tick(60_000)
    assert.equal(drain(s).settlements.length, 0)
    s.masterChanged('m2', 2, 60_001)
    assert.equal(sent(drain(s).messages, 'submit', 'm2').length, 1)
  })

  test('an unanswered submit is sent again after resendMs', () => {
    const s = new SubmitterLedger('sub', { resendMs: 500 })
    s.masterChanged('m1', 1, 0)
    s.submit(spec('a'), 0)
    drain(s)
    s.tick(499)
    assert.equal(drain(s).messages.length, 0)
    s.tick(500)
    assert.equal(sent(drain(s).messages, 'submit', 'm1').length, 1)
    s.receive('m1', [{ kind: 'accepted', ids: ['a'] }], 501)
    s.tick(2000)
    assert.equal(drain(s).messages.length, 0)
  })

  test('a rejection settles the task with its code; not-master keeps it pending for the next master', () => {
    const s = new SubmitterLedger('sub', { resendMs: 100 })
    s.masterChanged('m1', 1, 0)
    s.submit(spec('a'), 0)
    s.submit(spec('b'), 0)
    drain(s)
    s.receive('m1', [
      { kind: 'rejected', id: 'a', code: 'no-eligible-node', reason: "no handler for type 'echo'" },
      { kind: 'rejected', id: 'b', code: 'not-master', reason: 'not the master' }
    ], 1)
    const out = drain(s)
    assert.deepEqual(out.settlements, [{ id: 'a', ok: false, error: { code: 'no-eligible-node', message: "no handler for type 'echo'" }, attempts: 0, node: null, durationMs: 0 }])
    assert.equal(s.size, 1)
    s.tick(101)
    assert.deepEqual(sent(drain(s).messages, 'submit', 'm1').flatMap(m => m.tasks.map(t => t.id)), ['b'])
  })

  test('answers from nodes the task was never sent to are ignored', () => {
    const s = new SubmitterLedger('sub')
    s.masterChanged('m1', 1, 0)
    s.submit(spec('a'), 0)
    s.receive('intruder', [okResult('a'), { kind: 'rejected', id: 'a', code: 'queue-full', reason: 'x' }], 1)
    assert.equal(drain(s).settlements.length, 0)
    // An old master's late "accepted" does not count as the current master having it.
    s.masterChanged('m2', 2, 2)
    s.receive('m1', [{ kind: 'accepted', ids: ['a'] }], 3)
    s.tick(1_500)
    assert.equal(sent(drain(s).messages, 'submit', 'm2').length, 2, 'the initial send and one re-send, since m2 never accepted')
  })

  test('a result from a node not yet known as master is held until the election names it', () => {
    const s = new SubmitterLedger('sub')
    s.masterChanged('m1', 1, 0)
    s.submit(spec('a'), 0)
    s.submit(spec('b'), 0)
    drain(s)
    // m2 became master and forwarded results before this node heard of the new term.
    s.receive('m2', [okResult('a', 'A'), okResult('b', 'B')], 1)
    s.receive('m3', [okResult('b', 'forged')], 1)
    assert.equal(drain(s).settlements.length, 0)
    s.masterChanged('m2', 2, 2)
    assert.deepEqual(drain(s).settlements.map(x => [x.id, x.ok && x.value]), [['a', 'A'], ['b', 'B']])
    // The current master may answer even for a task it was never sent (it learned it from a worker).
    s.submit(spec('c'), 3)
    s.masterChanged('m3', 3, 4)
    s.receive('m3', [okResult('c', 'C')], 5)
    assert.deepEqual(drain(s).settlements.map(x => x.id), ['c'])
  })

  test('cancel settles at once as cancelled and tells the master', () => {
    const s = new SubmitterLedger('sub')
    s.masterChanged('m1', 1, 0)
    s.submit(spec('a'), 0)
    drain(s)
    assert.equal(s.cancel('a'), true)
    assert.equal(s.cancel('a'), false)
    const out = drain(s)
    assert.deepEqual(sent(out.messages, 'cancel', 'm1'), [{ kind: 'cancel', id: 'a' }])
    assert.ok(out.settlements[0] !== undefined && !out.settlements[0].ok && out.settlements[0].error.code === 'cancelled')
    s.receive('m1', [okResult('a')], 1)
    assert.equal(drain(s).settlements.length, 0)
  })

  test('many large tasks are split into submit messages that each fit the message budget', () => {
    const s = new SubmitterLedger('sub')
    const big = 'x'.repeat(700_000)
    for (let i = 0; i < 10; i++) s.submit(spec(`t${i}`, { payload: big }), 0)
    s.masterChanged('m1', 1, 0)
    const submits = sent(drain(s).messages, 'submit', 'm1')
    assert.ok(submits.length >= 3)
    assert.deepEqual(submits.flatMap(m => m.tasks.map(t => t.id)), Array.from({ length: 10 }, (_, i) => `t${i}`))
    for (const m of submits) assert.ok(jsonBytes(m) <= MESSAGE_BUDGET_BYTES + 1024)
  })
})
