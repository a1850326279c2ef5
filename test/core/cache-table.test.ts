import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TaskTable } from '../../src/core/tasks/table.js'
import { explainDecision } from '../../src/core/scheduler/placement.js'
import type { WorkerInfo } from '../../src/core/tasks/table-types.js'
import type { DoneMessage, TaskMessage } from '../../src/core/tasks/messages.js'
import type { TaskSpec } from '../../src/core/tasks/types.js'
import { drain, sent, spec, workerInfo } from '../sim/tasks-fixtures.js'

const EPOCH = 3
const KEY = 'echo:k'

/** An active table over the real scheduler (least-loaded), so that placement preferences apply. */
function activeTable (workers: WorkerInfo[] = [workerInfo('w1', 4), workerInfo('w2', 4), workerInfo('w3', 4)]): TaskTable {
  const t = new TaskTable({ epoch: EPOCH, now: 0, workers })
  for (const w of workers) t.receive(w.id, [{ kind: 'report', epoch: EPOCH, running: [], finished: [], more: false }], 0)
  drain(t)
  return t
}

function cached (id: string, over: Partial<TaskSpec> = {}): TaskSpec {
  return spec(id, { cacheKey: KEY, ...over })
}

function done (id: string, attempt: number, over: Partial<DoneMessage> = {}): DoneMessage {
  return { kind: 'done', epoch: EPOCH, id, attempt, submitter: 'sub', durationMs: 3, timedOut: false, ok: true, value: 'v', ...over } as DoneMessage
}

/** Each assigned task id -> its node, in these messages. */
function assigned (out: { messages: Array<{ to: string, msg: TaskMessage }> }): Record<string, string> {
  const r: Record<string, string> = {}
  for (const { to, msg } of out.messages) if (msg.kind === 'assign') for (const o of msg.tasks) r[o.spec.id] = to
  return r
}

/** Runs `id` to completion on whichever node it is placed on, which then holds its result. */
function runToHolder (t: TaskTable, id: string, now: number): string {
  t.receive('sub', [{ kind: 'submit', tasks: [cached(id)] }], now)
  const node = assigned(drain(t))[id]
  assert.ok(node !== undefined, `${id} was placed`)
  t.receive(node, [done(id, 1, { cacheHeld: true })], now + 1)
  drain(t)
  return node
}

describe('TaskTable: cache locality', () => {
  test('a task whose key a worker holds is placed on that worker, and explain says why', () => {
    const t = activeTable()
    const holder = runToHolder(t, 'a', 1)
    // Make the holder the busiest node: without the preference it would not be chosen.
    t.receive('sub', [{ kind: 'submit', tasks: [spec('x1'), spec('x2')] }], 5)
    const busy = assigned(drain(t))
    t.receive('sub', [{ kind: 'submit', tasks: [cached('b')] }], 10)
    assert.deepEqual(assigned(drain(t)), { b: holder }, `busy: ${JSON.stringify(busy)}`)
    const decision = t.task('b')?.attempts[0]?.decision
    assert.ok(decision != null)
    const chosen = decision.candidates.find(c => c.nodeId === holder)?.score as number
    assert.ok(decision.candidates.some(c => c.score !== undefined && c.score < chosen), 'a less loaded node lost to the holder')
    assert.ok(explainDecision(decision).some(line => line.includes(`* ${holder}`) && line.includes('(holds cached result)')), explainDecision(decision).join('\n'))
  })

  test('the cached answer reaches the submitter marked cached, with the attempt noted in the record', () => {
    const t = activeTable()
    const holder = runToHolder(t, 'a', 1)
    t.receive('sub', [{ kind: 'submit', tasks: [cached('b')] }], 10)
    drain(t)
    t.receive(holder, [done('b', 1, { cached: true, cacheHeld: true, durationMs: 0 })], 11)
    const [result] = sent(drain(t).messages, 'result', 'sub')
    assert.deepEqual(result, { kind: 'result', id: 'b', attempts: 1, node: holder, durationMs: 0, ok: true, value: 'v', cached: true })
    assert.equal(t.task('b')?.attempts[0]?.detail, 'answered from its result cache')
  })

  test('when the holder dies its entries go, and the next task is placed normally', () => {
    const t = activeTable()
    const holder = runToHolder(t, 'a', 1)
    t.workerDead(holder, 5)
    assert.deepEqual(t.snapshot().cache, { keys: 0, holdings: 0, waiting: 0 })
    t.receive('sub', [{ kind: 'submit', tasks: [cached('b')] }], 10)
    const out = assigned(drain(t))
    assert.ok(out.b !== undefined && out.b !== holder)
    assert.equal(t.task('b')?.attempts[0]?.decision?.candidates.some(c => c.preference === 'preferred'), false)
  })

  test('an eviction note removes the holder; a holder past the TTL is not preferred', () => {
    const t = activeTable()
    const holder = runToHolder(t, 'a', 1)
    t.receive(holder, [done('other', 1, { cacheEvicted: [KEY] })], 2)
    assert.deepEqual(t.snapshot().cache.holdings, 0)

    t.receive('sub', [{ kind: 'submit', tasks: [cached('c', { cacheTtlMs: 100 })] }], 10)
    const node = assigned(drain(t)).c as string
    t.receive(node, [done('c', 1, { cacheHeld: true })], 20) // held until 120
    drain(t)
    t.receive('sub', [{ kind: 'submit', tasks: [cached('d')] }], 119)
    assert.equal(t.task('d')?.attempts[0]?.decision?.candidates.find(c => c.nodeId === node)?.preference, 'preferred')
    t.receive(node, [done('d', 1)], 120) // finished, so that e does not wait for it
    t.receive('sub', [{ kind: 'submit', tasks: [cached('e')] }], 121)
    drain(t)
    assert.equal(t.task('e')?.attempts[0]?.decision?.candidates.some(c => c.preference === 'preferred'), false)
  })

  test('a full holder still gets the task and no room is counted; if its copy is gone and it refuses, the task runs elsewhere', () => {
    const t = activeTable([workerInfo('w1', 1), workerInfo('w2', 1)])
    const holder = runToHolder(t, 'a', 1)
    t.receive('sub', [{ kind: 'submit', tasks: [spec('busy1'), spec('busy2')] }], 2) // one on each node's only slot
    const busy = assigned(drain(t))
    assert.deepEqual(Object.values(t.snapshot().placed).map(p => p.slots), [1, 1])
    t.receive('sub', [{ kind: 'submit', tasks: [cached('b')] }], 3)
    assert.deepEqual(assigned(drain(t)), { b: holder })
    assert.equal(t.snapshot().placed[holder]?.slots, 1, 'the cached placement counts no slot')
    t.receive(holder, [{ kind: 'refuse', epoch: EPOCH, id: 'b', reason: 'full: needs 1 slot(s), 1/1 used' }], 4)
    drain(t)
    const other = holder === 'w1' ? 'w2' : 'w1'
    const onOther = Object.keys(busy).find(id => busy[id] === other) as string
    t.receive(other, [done(onOther, 1)], 5)
    t.tick(200) // past the refusal back-off
    assert.deepEqual(assigned(drain(t)), { b: other })
  })

  test('an answer from the cache does not extend the holder\'s time-to-live; it does name an unknown holder', () => {
    const t = activeTable()
    t.receive('sub', [{ kind: 'submit', tasks: [cached('a', { cacheTtlMs: 100 })] }], 0)
    const holder = assigned(drain(t)).a as string
    t.receive(holder, [done('a', 1, { cacheHeld: true })], 20) // held until 120
    t.receive('sub', [{ kind: 'submit', tasks: [cached('b', { cacheTtlMs: 100 })] }], 100)
    assert.deepEqual(assigned(drain(t)), { b: holder })
    t.receive(holder, [done('b', 1, { cached: true, cacheHeld: true })], 101)
    drain(t)
    t.receive('sub', [{ kind: 'submit', tasks: [cached('c')] }], 121)
    drain(t)
    assert.equal(t.task('c')?.attempts[0]?.decision?.cached, undefined, 'the holding expired at 120')
    // A hit from a node the index did not know (e.g. after a failover) teaches it.
    const other = t.task('c')?.attempts[0]?.node as string
    t.receive(other, [done('c', 1, { cached: true, cacheHeld: true })], 122)
    assert.equal(t.snapshot().cache.holdings, 1)
  })

  test('a done that is not held (cache off or result too big) adds no holder', () => {
    const t = activeTable()
    t.receive('sub', [{ kind: 'submit', tasks: [cached('a')] }], 1)
    const node = assigned(drain(t)).a as string
    t.receive(node, [done('a', 1)], 2)
    assert.equal(t.snapshot().cache.holdings, 0)
  })

  test('tasks without a cache key get no preference', () => {
    const t = activeTable()
    runToHolder(t, 'a', 1)
    t.receive('sub', [{ kind: 'submit', tasks: [spec('plain')] }], 5)
    drain(t)
    assert.equal(t.task('plain')?.attempts[0]?.decision?.candidates.some(c => c.preference !== undefined), false)
  })
})

describe('TaskTable: identical tasks at the same time run once (single-flight)', () => {
  test('concurrent submissions with one key place one task; the rest share its result', () => {
    const t = activeTable()
    t.receive('sub', [{ kind: 'submit', tasks: [cached('a'), cached('b')] }], 1)
    t.receive('sub2', [{ kind: 'submit', tasks: [cached('c', { submitter: 'sub2' })] }], 2)
    const out = drain(t)
    assert.deepEqual(Object.keys(assigned(out)), ['a'])
    assert.deepEqual(sent(out.messages, 'accepted').flatMap(m => m.ids).sort(), ['a', 'b', 'c'])
    assert.match(t.task('b')?.deferReason ?? '', /waiting for identical task a/)
    assert.equal(t.snapshot().cache.waiting, 2)

    t.receive(assigned(out).a as string, [done('a', 1, { value: { sum: 7 }, cacheHeld: true })], 10)
    const results = sent(drain(t).messages, 'result')
    assert.deepEqual(results.map(r => [r.id, r.ok && r.value, r.cached, r.attempts]), [
      ['a', { sum: 7 }, undefined, 1], ['b', { sum: 7 }, true, 0], ['c', { sum: 7 }, true, 0]
    ])
    assert.deepEqual(t.snapshot().states.done, 3)
    assert.equal(t.snapshot().counters.coalesced, 2)
    assert.equal(t.snapshot().cache.waiting, 0)
  })

  test('different keys do not wait for each other', () => {
    const t = activeTable()
    t.receive('sub', [{ kind: 'submit', tasks: [cached('a'), cached('b', { cacheKey: 'echo:other' }), spec('c')] }], 1)
    assert.deepEqual(Object.keys(assigned(drain(t))).sort(), ['a', 'b', 'c'])
  })

  test('one key under two task types: each type runs, neither waits for the other', () => {
    const both = ['echo', 'upper']
    const t = activeTable([workerInfo('w1', 4, both), workerInfo('w2', 4, both)])
    t.receive('sub', [{ kind: 'submit', tasks: [cached('a'), cached('b', { type: 'upper' })] }], 1)
    const out = drain(t)
    assert.deepEqual(Object.keys(assigned(out)).sort(), ['a', 'b'])
    assert.equal(t.task('b')?.deferReason ?? null, null)
    t.receive(assigned(out).a as string, [done('a', 1, { value: 'from echo' })], 5)
    assert.deepEqual(sent(drain(t).messages, 'result').map(r => r.id), ['a'], 'b gets no result of another type')
  })

  test('when the leader fails, the first waiter runs and the others wait for it', () => {
    const t = activeTable()
    t.receive('sub', [{ kind: 'submit', tasks: [cached('a'), cached('b'), cached('c')] }], 1)
    const node = assigned(drain(t)).a as string
    t.receive(node, [{ kind: 'done', epoch: EPOCH, id: 'a', attempt: 1, submitter: 'sub', durationMs: 1, timedOut: false, ok: false, error: { code: 'handler-error', message: 'boom' } }], 5)
    const out = drain(t)
    assert.deepEqual(sent(out.messages, 'result').map(r => [r.id, r.ok]), [['a', false]])
    assert.deepEqual(Object.keys(assigned(out)), ['b'])
    assert.match(t.task('c')?.deferReason ?? '', /waiting for identical task b/)
    t.receive(assigned(out).b as string, [done('b', 1)], 9)
    assert.deepEqual(sent(drain(t).messages, 'result').map(r => [r.id, r.ok, r.cached]), [['b', true, undefined], ['c', true, true]])
  })

  test('a leader that retries keeps its waiters until it settles', () => {
    const t = activeTable()
    t.receive('sub', [{ kind: 'submit', tasks: [cached('a', { retries: 1, backoffMs: 10 }), cached('b')] }], 1)
    const node = assigned(drain(t)).a as string
    t.receive(node, [{ kind: 'done', epoch: EPOCH, id: 'a', attempt: 1, submitter: 'sub', durationMs: 1, timedOut: false, ok: false, error: { code: 'handler-error', message: 'boom' } }], 5)
    assert.equal(sent(drain(t).messages, 'result').length, 0)
    t.tick(20)
    const retry = assigned(drain(t))
    assert.deepEqual(Object.keys(retry), ['a'])
    t.receive(retry.a as string, [done('a', 2)], 25)
    assert.deepEqual(sent(drain(t).messages, 'result').map(r => [r.id, r.ok]), [['a', true], ['b', true]])
  })

  test('a cancelled waiter leaves; a cancelled leader hands over to the next waiter', () => {
    const t = activeTable()
    t.receive('sub', [{ kind: 'submit', tasks: [cached('a'), cached('b'), cached('c')] }], 1)
    drain(t)
    t.receive('sub', [{ kind: 'cancel', id: 'b' }], 2)
    t.receive('sub', [{ kind: 'cancel', id: 'a' }], 3)
    const out = drain(t)
    assert.deepEqual(sent(out.messages, 'result').map(r => [r.id, r.ok ? 'ok' : r.error.code]), [['b', 'cancelled'], ['a', 'cancelled']])
    assert.deepEqual(Object.keys(assigned(out)), ['c'])
    assert.equal(t.snapshot().cache.waiting, 0)
  })

  test('a submission after the leader finished is a new task, placed at the holder', () => {
    const t = activeTable()
    const holder = runToHolder(t, 'a', 1)
    t.receive('sub', [{ kind: 'submit', tasks: [cached('b')] }], 10)
    assert.deepEqual(assigned(drain(t)), { b: holder })
  })

  test('a waiter found running on a worker after a failover stops waiting and completes on its own', () => {
    const workers = [workerInfo('w1', 4), workerInfo('w2', 4)]
    const t = new TaskTable({ epoch: EPOCH, now: 0, workers })
    drain(t)
    t.receive('sub', [{ kind: 'submit', tasks: [cached('a'), cached('b')] }], 1)
    assert.equal(t.snapshot().cache.waiting, 1)
    t.receive('w2', [{ kind: 'report', epoch: EPOCH, running: [{ spec: cached('b'), attempt: 1, epoch: EPOCH - 1, elapsedMs: 0 }], finished: [], more: false }], 2)
    t.receive('w1', [{ kind: 'report', epoch: EPOCH, running: [], finished: [], more: false }], 2)
    assert.equal(t.snapshot().cache.waiting, 0)
    assert.equal(t.task('b')?.state, 'running')
    const a = assigned(drain(t))
    assert.deepEqual(Object.keys(a), ['a'])
    t.receive('w2', [done('b', 1, { value: 'from-b' })], 5)
    t.receive(a.a as string, [done('a', 1, { value: 'from-a' })], 6)
    assert.deepEqual(sent(drain(t).messages, 'result').map(r => [r.id, r.ok && r.value]), [['b', 'from-b'], ['a', 'from-a']])
  })
})
