import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { driftBound, estimateClock, type ClockSample } from '../../src/observability/clock-estimate.js'

/**
 * Time queries to a simulated peer whose wall clock is `offset` ms ahead and whose monotonic
 * clock runs (1 + drift) times as fast, with the given one-way delays (out, back) per query.
 */
function simulate (offset: number, drift: number, delays: Array<[number, number]>, gapMs = 100): ClockSample[] {
  let t = 1000 // true time = our monotonic time
  const wallBase = 1_764_000_000_000
  return delays.map(([out, back]) => {
    const sent = t
    const answered = sent + out
    const received = answered + back
    t = received + gapMs
    return {
      sentWallMs: wallBase + sent,
      receivedWallMs: wallBase + received,
      sentMonoMs: sent,
      receivedMonoMs: received,
      peerWallMs: wallBase + answered + offset,
      peerMonoMs: 50 + answered * (1 + drift)
    }
  })
}

describe('clock estimate', () => {
  test('no samples: no estimate; one sample: offset and round trip, no rate', () => {
    assert.equal(estimateClock([]), null)
    const one = estimateClock(simulate(25, 0, [[2, 2]]))!
    assert.equal(one.rttMs, 4)
    assert.equal(one.offsetMs, 25)
    assert.equal(one.rate, null)
  })

  test('the fastest sample gives the offset: symmetric delays measure it exactly', () => {
    const e = estimateClock(simulate(-40, 0, [[30, 5], [1, 1], [8, 40]]))!
    assert.equal(e.rttMs, 2)
    assert.equal(e.offsetMs, -40)
    assert.equal(e.samples, 3)
  })

  test('a peer clock running 8 % fast is measured within the stated uncertainty', () => {
    const e = estimateClock(simulate(0, 0.08, [[1, 1], [2, 1], [1, 2], [1, 1], [3, 1], [1, 1]]))!
    assert.ok(e.rate !== null)
    assert.ok(Math.abs(e.rate.drift - 0.08) <= e.rate.uncertainty + 1e-12, JSON.stringify(e.rate))
    assert.ok(e.rate.uncertainty < 0.01)
  })

  test('samples too close together for their round trips give no rate', () => {
    const e = estimateClock(simulate(0, 0, [[50, 50], [50, 50]], 0))!
    assert.equal(e.rate, null)
  })

  test('the election bound: leaseMs / (leaseMs - maxDriftMs) - 1', () => {
    assert.ok(Math.abs(driftBound(1000, 50) - 50 / 950) < 1e-12)
  })

  test('property: the true offset lies within rtt / 2 of the estimate, the true drift within the uncertainty', () => {
    const delay = fc.double({ min: 0, max: 50, noNaN: true })
    fc.assert(fc.property(
      fc.double({ min: -5000, max: 5000, noNaN: true }),
      fc.double({ min: -0.2, max: 0.2, noNaN: true }),
      fc.array(fc.tuple(delay, delay), { minLength: 1, maxLength: 8 }),
      fc.double({ min: 0, max: 500, noNaN: true }),
      (offset, drift, delays, gap) => {
        const e = estimateClock(simulate(offset, drift, delays, gap))!
        // Wall times near 1.7e12 ms carry about 2e-4 ms of floating-point error.
        assert.ok(Math.abs(e.offsetMs - offset) <= e.rttMs / 2 + 1e-3, `offset ${e.offsetMs} vs ${offset}, rtt ${e.rttMs}`)
        if (e.rate !== null) assert.ok(Math.abs(e.rate.drift - drift) <= e.rate.uncertainty + 1e-9, `drift ${e.rate.drift} vs ${drift} ± ${e.rate.uncertainty}`)
      }
    ), { numRuns: 2000 })
  })
})
