import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { WorkerLedger, type CheckOrder } from '../../src/core/tasks/worker.js'
import type { TaskSpec } from '../../src/core/tasks/types.js'
import { drain, sent, spec } from '../sim/tasks-fixtures.js'

const anyOrder: CheckOrder = () => ({ ok: true })

function worker (over: Partial<ConstructorParameters<typeof WorkerLedger>[0]> = {}): WorkerLedger {
  const w = new WorkerLedger({ slots: 1, handlers: { echo: {} }, ...over }, anyOrder)
  w.masterChanged('m1', 1, 0)
  return w
}

function cached (id: string, key = 'echo:k', over: Partial<TaskSpec> = {}): TaskSpec {
  return spec(id, { cacheKey: key, ...over })
}

/** Assigns `s` and, if it started, finishes it with `value`; returns what the worker sent and started. */
function runOnce (w: WorkerLedger, s: TaskSpec, value: number, now: number): ReturnType<WorkerLedger['ready']> {
  w.assign('m1', 1, [{ spec: s, attempt: 1 }], now)
  const first = drain(w)
  if (first.starts.length === 0) return first
  w.finished(s.id, { ok: true, value }, now + 10)
  const second = drain(w)
  return { ...second, starts: first.starts, messages: [...first.messages, ...second.messages] }
}

describe('WorkerLedger with a result cache', () => {
  test('the first run is reported as held; a later task with the same key is answered at once without running', () => {
    const w = worker()
    const first = runOnce(w, cached('a'), 42, 0)
    assert.equal(first.starts.length, 1)
    assert.deepEqual(sent(first.messages, 'done', 'm1').map(d => [d.id, d.ok && d.value, d.cached, d.cacheHeld]), [['a', 42, undefined, true]])

    const second = runOnce(w, cached('b'), 99, 100)
    assert.equal(second.starts.length, 0, 'no handler ran')
    const [done] = sent(second.messages, 'done', 'm1')
    assert.deepEqual(done, { kind: 'done', epoch: 1, id: 'b', attempt: 1, submitter: 'sub', durationMs: 0, timedOut: false, ok: true, value: 42, cached: true, cacheHeld: true })
    assert.equal(w.snapshot().usedSlots, 0, 'a hit takes no slot')
    const s = w.cacheStats()
    assert.deepEqual([s.hits, s.misses, s.entries], [1, 1, 1])
  })

  test('a hit needs no free slot: a full worker still answers from its cache', () => {
    const w = worker()
    runOnce(w, cached('a'), 1, 0)
    w.assign('m1', 1, [{ spec: spec('busy'), attempt: 1 }], 20)
    assert.equal(drain(w).starts.length, 1)
    w.assign('m1', 1, [{ spec: cached('b'), attempt: 1 }], 21)
    const out = drain(w)
    assert.deepEqual(sent(out.messages, 'done').map(d => [d.id, d.cached]), [['b', true]])
    assert.equal(sent(out.messages, 'refuse').length, 0)
  })

  test('tasks without a cache key never touch the cache', () => {
    const w = worker()
    runOnce(w, spec('a'), 1, 0)
    const second = runOnce(w, spec('b'), 2, 20)
    assert.equal(second.starts.length, 1)
    assert.equal(sent(second.messages, 'done')[0]?.cacheHeld, undefined)
    assert.deepEqual(w.cacheStats(), { maxBytes: w.cacheStats().maxBytes, entries: 0, bytes: 0, hits: 0, misses: 0, evictions: 0, expired: 0 })
  })

  test('failures are not cached', () => {
    const w = worker()
    w.assign('m1', 1, [{ spec: cached('a'), attempt: 1 }], 0)
    drain(w)
    w.finished('a', { ok: false, error: { code: 'handler-error', message: 'boom' } }, 5)
    assert.equal(sent(drain(w).messages, 'done')[0]?.cacheHeld, undefined)
    assert.equal(runOnce(w, cached('b'), 1, 10).starts.length, 1)
  })

  test('after its time-to-live the result runs again', () => {
    const w = worker()
    runOnce(w, cached('a', 'echo:k', { cacheTtlMs: 100 }), 1, 0) // stored at 10, expires at 110
    assert.equal(runOnce(w, cached('b'), 2, 109).starts.length, 0)
    assert.equal(runOnce(w, cached('c'), 3, 110).starts.length, 1)
    assert.equal(w.cacheStats().expired, 1)
  })

  test('a key stored by another type is a miss', () => {
    const w = worker({ handlers: { echo: {}, other: {} } })
    runOnce(w, cached('a'), 1, 0)
    assert.equal(runOnce(w, cached('b', 'echo:k', { type: 'other' }), 2, 20).starts.length, 1)
  })

  test('evicted keys travel with the done that evicted them', () => {
    // Each entry: 7-byte key + 1-byte value = 8 bytes; two fit in 16.
    const w = worker({ cacheMaxBytes: 16 })
    runOnce(w, cached('a', 'echo:k1'), 1, 0)
    runOnce(w, cached('b', 'echo:k2'), 2, 20)
    const third = runOnce(w, cached('c', 'echo:k3'), 3, 40)
    assert.deepEqual(sent(third.messages, 'done').map(d => [d.id, d.cacheHeld, d.cacheEvicted]), [['c', true, ['echo:k1']]])
    assert.equal(w.cacheStats().evictions, 1)
  })

  test('with the cache off nothing is held and every repeat runs', () => {
    const w = worker({ cacheMaxBytes: 0 })
    const first = runOnce(w, cached('a'), 1, 0)
    assert.equal(sent(first.messages, 'done')[0]?.cacheHeld, undefined)
    assert.equal(runOnce(w, cached('b'), 1, 20).starts.length, 1)
  })

  test('a re-assignment of an id it already finished answers with that result, not the cache', () => {
    const w = worker()
    runOnce(w, cached('a'), 1, 0)
    w.assign('m1', 1, [{ spec: cached('a'), attempt: 2 }], 30)
    const [done] = sent(drain(w).messages, 'done')
    assert.deepEqual([done?.attempt, done?.cached, w.cacheStats().hits], [2, undefined, 0])
  })
})
