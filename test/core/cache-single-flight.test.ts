import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { SingleFlight } from '../../src/core/cache/single-flight.js'

describe('SingleFlight', () => {
  test('one leader per key; its landing returns the waiters in arrival order and frees the key', () => {
    const f = new SingleFlight()
    assert.equal(f.leaderOf('k'), undefined)
    f.lead('k', 't1')
    f.wait('k', 't2')
    f.wait('k', 't3')
    assert.equal(f.leaderOf('k'), 't1')
    assert.equal(f.isWaiting('t2'), true)
    assert.deepEqual(f.size, { flights: 1, waiting: 2 })
    assert.deepEqual(f.land('k', 't1'), ['t2', 't3'])
    assert.equal(f.leaderOf('k'), undefined)
    assert.equal(f.isWaiting('t2'), false)
    assert.deepEqual(f.size, { flights: 0, waiting: 0 })
  })

  test('a waiter that lands or stops waiting leaves the flight; the leader keeps it', () => {
    const f = new SingleFlight()
    f.lead('k', 't1')
    f.wait('k', 't2')
    f.wait('k', 't3')
    assert.deepEqual(f.land('k', 't2'), [])
    f.stopWaiting('t3')
    f.stopWaiting('t3')
    assert.equal(f.leaderOf('k'), 't1')
    assert.deepEqual(f.land('k', 't1'), [])
  })

  test('a second leader for a key, or a waiter without one, is a bug and throws', () => {
    const f = new SingleFlight()
    f.lead('k', 't1')
    assert.throws(() => f.lead('k', 't2'), /already has a leader/)
    assert.throws(() => f.wait('j', 't3'), /no leader/)
  })
})
