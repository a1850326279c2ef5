import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { LogThrottle, PeerRateLimiter } from '../../src/core/tasks/rate-limit.js'

describe('per-peer rate limit (token bucket)', () => {
  test('a fresh peer gets a full burst, then the rate per second', () => {
    const l = new PeerRateLimiter({ ratePerSec: 10, burst: 20 })
    assert.equal(l.take('a', 25, 0), 20)
    assert.equal(l.take('a', 5, 0), 0)
    assert.equal(l.take('a', 5, 100), 1) // 100 ms at 10/s
    assert.equal(l.take('a', 100, 1100), 10)
    assert.equal(l.take('a', 100, 10_000), 20, 'a long pause refills to the burst, not beyond')
  })

  test('peers are limited separately', () => {
    const l = new PeerRateLimiter({ ratePerSec: 1, burst: 3 })
    assert.equal(l.take('a', 3, 0), 3)
    assert.equal(l.take('b', 3, 0), 3)
    assert.equal(l.take('a', 1, 0), 0)
  })

  test('a clock that goes back neither adds nor removes tokens', () => {
    const l = new PeerRateLimiter({ ratePerSec: 1000, burst: 10 })
    assert.equal(l.take('a', 10, 5000), 10)
    assert.equal(l.take('a', 10, 1000), 0)
    assert.equal(l.take('a', 10, 5001), 1)
  })

  test('refuses nonsense parameters', () => {
    assert.throws(() => new PeerRateLimiter({ ratePerSec: 0, burst: 1 }), RangeError)
    assert.throws(() => new PeerRateLimiter({ ratePerSec: 1, burst: 0 }), RangeError)
    assert.throws(() => new PeerRateLimiter({ ratePerSec: Number.NaN, burst: 1 }), RangeError)
  })

  test('property: over any window a peer gets at most burst + rate * window, and never more than it asked', () => {
    const op = fc.record({ peer: fc.constantFrom('a', 'b', 'c'), wanted: fc.nat(50), dt: fc.nat(500) })
    fc.assert(fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), fc.array(op, { maxLength: 200 }), (rate, burst, ops) => {
      const l = new PeerRateLimiter({ ratePerSec: rate, burst })
      let now = 0
      const got = new Map<string, number>()
      for (const { peer, wanted, dt } of ops) {
        now += dt
        const n = l.take(peer, wanted, now)
        assert.ok(n >= 0 && n <= wanted && Number.isInteger(n))
        got.set(peer, (got.get(peer) ?? 0) + n)
      }
      for (const total of got.values()) assert.ok(total <= burst + rate * now / 1000 + 1e-9, `${total} > ${burst} + ${rate} * ${now / 1000}`)
    }), { numRuns: 300 })
  })

  test('property: sweeping idle buckets to bound memory never changes an answer', () => {
    const op = fc.record({ peer: fc.integer({ min: 0, max: 30 }).map(i => `p${i}`), wanted: fc.nat(5), dt: fc.nat(300) })
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const small = new PeerRateLimiter({ ratePerSec: 5, burst: 5, maxPeers: 4 })
      const big = new PeerRateLimiter({ ratePerSec: 5, burst: 5, maxPeers: 1_000_000 })
      let now = 0
      for (const { peer, wanted, dt } of ops) {
        now += dt
        assert.equal(small.take(peer, wanted, now), big.take(peer, wanted, now))
      }
    }), { numRuns: 200 })
  })
})

describe('log throttle', () => {
  test('one line per key per interval, counting what it held back', () => {
    const t = new LogThrottle(1000)
    assert.deepEqual(t.allow('x', 0), { log: true, suppressed: 0 })
    assert.deepEqual(t.allow('x', 10), { log: false })
    assert.deepEqual(t.allow('x', 20), { log: false })
    assert.deepEqual(t.allow('y', 20), { log: true, suppressed: 0 })
    assert.deepEqual(t.allow('x', 1000), { log: true, suppressed: 2 })
    assert.equal(t.fields('x', 1010), null)
    t.allow('x', 1020)
    assert.deepEqual(t.fields('x', 2000), { suppressedSinceLast: 2 })
    assert.deepEqual(t.fields('y', 2000), {})
  })

  test('holds a bounded number of keys: new keys are throttled while it is full of recent ones', () => {
    const t = new LogThrottle(1000, 2)
    assert.equal(t.allow('a', 0).log, true)
    assert.equal(t.allow('b', 0).log, true)
    assert.equal(t.allow('c', 0).log, false)
    assert.equal(t.allow('c', 1000).log, true, 'old keys are dropped once their interval is over')
  })
})
