import { test, describe as suite } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { TaskQueue } from '../../src/core/scheduler/queue.js'
import type { PendingTask } from '../../src/core/scheduler/types.js'
import { ids, queueOf, task } from './scheduler-fixtures.js'

const AGING = 1000

suite('TaskQueue order', () => {
  test('higher priority first, then arrival order', () => {
    const q = queueOf([
      task('low', { priority: 0, seq: 1 }),
      task('high-late', { priority: 5, seq: 3 }),
      task('high-early', { priority: 5, seq: 2 }),
      task('mid', { priority: 2, seq: 4 })
    ], { agingMs: AGING })
    assert.deepEqual(ids(q), ['high-early', 'high-late', 'mid', 'low'])
  })

  test('waiting agingMs is worth one priority level', () => {
    const q = queueOf([
      task('old-low', { priority: 0, enqueuedAt: 0, seq: 1 }),
      task('new-high', { priority: 2, enqueuedAt: 2500, seq: 2 })
    ], { agingMs: AGING })
    // key(old-low) = 0 - 0 = 0 > key(new-high) = 2000 - 2500 = -500
    assert.deepEqual(ids(q), ['old-low', 'new-high'])
    assert.equal(q.effectivePriority(task('x', { priority: 1, enqueuedAt: 1000 }), 3500), 3.5)
  })

  test('defaults: 5 s aging, 100,000 tasks', () => {
    const q = new TaskQueue()
    assert.equal(q.agingMs, 5000)
    assert.equal(q.maxSize, 100_000)
  })

  test('rejects invalid options', () => {
    assert.throws(() => new TaskQueue({ agingMs: 0 }), RangeError)
    assert.throws(() => new TaskQueue({ maxSize: 1.5 }), RangeError)
  })

  const queued = fc.array(fc.record({
    priority: fc.integer({ min: -5, max: 10 }),
    enqueuedAt: fc.integer({ min: 0, max: 100_000 })
  }), { maxLength: 60, size: 'max' }).map(gs => gs.map((g, i) => task(`t${i}`, { ...g, seq: i })))

  test('property: the order is effective priority at any later time, ties by seq', () => {
    fc.assert(fc.property(queued, fc.integer({ min: 0, max: 10_000_000 }), (tasks, later) => {
      const q = queueOf(tasks, { agingMs: AGING })
      const now = 100_000 + later
      // Effective priority scaled by agingMs: integer arithmetic, so equal values compare equal.
      const scaled = (t: PendingTask): number => t.priority * AGING + (now - t.enqueuedAt)
      const expected = [...tasks].sort((a, b) => scaled(b) - scaled(a) || a.seq - b.seq).map(t => t.id)
      for (const t of tasks) assert.ok(Math.abs(q.effectivePriority(t, now) - scaled(t) / AGING) < 1e-6)
      assert.deepEqual(ids(q), expected)
    }))
  })

  test('property: refines the step-wise priority + floor(waited / agingMs)', () => {
    fc.assert(fc.property(queued, fc.integer({ min: 100_000, max: 1_000_000 }), (tasks, now) => {
      const order = ids(queueOf(tasks, { agingMs: AGING }))
      const stepped = (t: PendingTask): number => t.priority + Math.floor((now - t.enqueuedAt) / AGING)
      const byId = new Map(tasks.map(t => [t.id, t]))
      for (let i = 0; i < order.length; i++) {
        for (let j = i + 1; j < order.length; j++) {
          const first = byId.get(order[i] as string) as PendingTask
          const second = byId.get(order[j] as string) as PendingTask
          assert.ok(stepped(first) >= stepped(second), `${first.id} before ${second.id} at ${now}`)
        }
      }
    }))
  })

  test('property: the aging bound: nothing enqueued after e + (q - p) * agingMs overtakes', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 1, max: 10_000 }),
      (p, q, e, after) => {
        const waiting = task('waiting', { priority: p, enqueuedAt: e, seq: 1 })
        const newcomer = task('newcomer', { priority: q, enqueuedAt: e + Math.max(0, q - p) * AGING + after, seq: 2 })
        assert.deepEqual(ids(queueOf([newcomer, waiting], { agingMs: AGING })), ['waiting', 'newcomer'])
      }))
  })
})

suite('TaskQueue operations', () => {
  test('push, has, size, remove', () => {
    const q = queueOf([task('a', { priority: 1 }), task('b', { priority: 2 })])
    assert.equal(q.size, 2)
    assert.ok(q.has('a'))
    assert.equal(q.remove('b')?.id, 'b')
    assert.equal(q.remove('b'), undefined)
    assert.ok(!q.has('b'))
    assert.equal(q.size, 1)
    assert.deepEqual(ids(q), ['a'])
  })

  test('a full queue refuses the push and keeps every queued task', () => {
    const q = queueOf([task('a', { priority: 0 }), task('b', { priority: 0 })], { maxSize: 2 })
    const pushed = q.push(task('urgent', { priority: 100 }))
    assert.equal(pushed.ok, false)
    assert.ok(!pushed.ok && pushed.code === 'queue-full' && pushed.reason === 'queue full (2 tasks)')
    assert.deepEqual(ids(q), ['a', 'b'])
  })

  test('refuses duplicate ids and non-finite ordering fields', () => {
    const q = queueOf([task('a')])
    const dup = q.push(task('a', { priority: 9 }))
    assert.ok(!dup.ok && dup.code === 'duplicate-id')
    const nan = q.push(task('n', { priority: Number.NaN }))
    assert.ok(!nan.ok && nan.code === 'invalid-order-fields')
    const inf = q.push(task('i', { enqueuedAt: Number.POSITIVE_INFINITY }))
    assert.ok(!inf.ok && inf.code === 'invalid-order-fields')
    assert.equal(q.size, 1)
  })

  test('later edits to a pushed task object do not change the order', () => {
    const a = task('a', { priority: 1 })
    const q = queueOf([a, task('b', { priority: 2 })])
    a.priority = 10
    assert.deepEqual(ids(q), ['b', 'a'])
  })

  test('changing the queue during an ordered walk is detected', () => {
    const q = queueOf([task('a'), task('b')])
    assert.throws(() => {
      for (const t of q.ordered()) q.remove(t.id)
    }, /changed during ordered/)
  })

  test('a walk stopped early leaves the queue intact', () => {
    const q = queueOf(Array.from({ length: 100 }, (_, i) => task(`t${i}`, { priority: i % 7, seq: i })))
    const firstThree: string[] = []
    for (const t of q.ordered()) {
      firstThree.push(t.id)
      if (firstThree.length === 3) break
    }
    assert.deepEqual(firstThree, ids(q).slice(0, 3))
    assert.equal(q.size, 100)
  })

  test('property: any sequence of pushes and removes matches a sorted-list model', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 30 }), priority: fc.integer({ min: -3, max: 3 }), enqueuedAt: fc.integer({ min: 0, max: 5000 }) }),
      fc.record({ remove: fc.integer({ min: 0, max: 30 }) })
    )
    fc.assert(fc.property(fc.array(op, { maxLength: 200, size: 'max' }), ops => {
      const q = new TaskQueue({ agingMs: AGING, maxSize: 20 })
      const model = new Map<string, PendingTask>()
      ops.forEach((o, seq) => {
        if ('push' in o) {
          const t = task(`t${o.push}`, { priority: o.priority, enqueuedAt: o.enqueuedAt, seq })
          const pushed = q.push(t)
          const expectOk = !model.has(t.id) && model.size < 20
          assert.equal(pushed.ok, expectOk)
          if (expectOk) model.set(t.id, t)
        } else {
          const id = `t${o.remove}`
          assert.equal(q.remove(id)?.id, model.has(id) ? id : undefined)
          model.delete(id)
        }
        assert.equal(q.size, model.size)
      })
      const key = (t: PendingTask): number => t.priority * AGING - t.enqueuedAt
      const expected = [...model.values()].sort((a, b) => key(b) - key(a) || a.seq - b.seq).map(t => t.id)
      assert.deepEqual(ids(q), expected)
    }))
  })
})
