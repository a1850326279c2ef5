import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { FifoMap } from '../../src/core/tasks/fifo-map.js'

type Op = { op: 'set', key: number, value: number } | { op: 'delete', key: number } | { op: 'shift' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key: fc.integer({ min: 0, max: 20 }), value: fc.integer() }),
  fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ op: fc.constant('shift' as const) })
)

describe('FifoMap', () => {
  test('behaves like a Map used as a FIFO (same entries, same order, same oldest)', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
      const model = new Map<number, number>()
      const fifo = new FifoMap<number, number>()
      for (const o of ops) {
        if (o.op === 'set') {
          model.set(o.key, o.value)
          fifo.set(o.key, o.value)
        } else if (o.op === 'delete') {
          assert.equal(fifo.delete(o.key), model.delete(o.key))
        } else {
          const first = model.entries().next()
          if (first.done !== true) model.delete(first.value[0])
          assert.deepEqual(fifo.shift(), first.done === true ? undefined : first.value)
        }
        assert.equal(fifo.size, model.size)
        assert.equal(fifo.oldest(), model.keys().next().value)
      }
      assert.deepEqual([...fifo.entries()], [...model.entries()])
      assert.deepEqual([...fifo.values()], [...model.values()])
      for (let k = 0; k <= 20; k++) {
        assert.equal(fifo.has(k), model.has(k))
        assert.equal(fifo.get(k), model.get(k))
      }
    }))
  })

  test('trimming a large map from its oldest end keeps the newest entries in order', () => {
    const fifo = new FifoMap<string, number>()
    for (let i = 0; i < 50_000; i++) {
      fifo.set(`k${i}`, i)
      if (i % 7 === 3) fifo.delete(`k${i - 2}`) // holes in the middle too
      while (fifo.size > 1000) fifo.shift()
    }
    const values = [...fifo.values()]
    assert.equal(values.length, 1000)
    assert.equal(values.at(-1), 49_999)
    assert.ok(values.every((v, i) => i === 0 || v > (values[i - 1] as number)), 'oldest first')
  })
})
