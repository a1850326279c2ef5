import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { FencingGuard } from '../../src/core/election/fencing.js'

describe('fencing guard', () => {
  test('refuses orders from an epoch lower than the highest seen, saying why', () => {
    const g = new FencingGuard()
    g.observe(5, 'b')
    assert.deepEqual(g.check(4, 'a'), { ok: false, reason: 'stale epoch 4: epoch 5 held by b is newer' })
    assert.deepEqual(g.check(5, 'b'), { ok: true })
    assert.deepEqual(g.check(6, 'c'), { ok: true })
  })

  test('refuses an order at the current epoch from a node other than its master', () => {
    const g = new FencingGuard(5, 'b')
    assert.deepEqual(g.check(5, 'c'), { ok: false, reason: 'epoch 5 belongs to b, not to c' })
  })

  test('an epoch whose master is unknown accepts its first sender, then only it', () => {
    const g = new FencingGuard()
    g.observe(3)
    assert.deepEqual(g.admit(3, 'a'), { ok: true })
    assert.equal(g.masterOfHighest, 'a')
    assert.equal(g.admit(3, 'b').ok, false)
  })

  test('check changes nothing; admit learns the epoch of an accepted order', () => {
    const g = new FencingGuard(2, 'a')
    g.check(7, 'c')
    assert.equal(g.highestEpoch, 2)
    g.admit(7, 'c')
    assert.equal(g.highestEpoch, 7)
    assert.equal(g.check(2, 'a').ok, false)
  })

  test('observe never goes back, and keeps the first master named for an epoch', () => {
    const g = new FencingGuard()
    assert.equal(g.observe(4, 'a'), true)
    assert.equal(g.observe(3, 'b'), false)
    assert.equal(g.observe(4, 'b'), false)
    assert.deepEqual([g.highestEpoch, g.masterOfHighest], [4, 'a'])
  })

  test('property: an accepted order is never older than anything observed or accepted before', () => {
    const action = fc.record({ admit: fc.boolean(), epoch: fc.nat(20), node: fc.constantFrom('a', 'b', 'c') })
    fc.assert(fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
      const g = new FencingGuard()
      let highest = 0
      for (const a of actions) {
        if (a.admit) {
          const r = g.admit(a.epoch, a.node)
          if (r.ok) assert.ok(a.epoch >= highest)
          else assert.ok(a.epoch <= highest)
        } else {
          g.observe(a.epoch, a.node)
        }
        highest = Math.max(highest, g.highestEpoch)
        assert.equal(g.highestEpoch, highest)
      }
    }))
  })
})
