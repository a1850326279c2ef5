// Failover timing with the default parameters on a loopback-like network: the targets the defaults
// were chosen for (docs/election-safety.md). Simulated, so it measures the protocol, not the machine.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultElectionParams } from '../../src/core/election/params.js'
import { maxSafeRateDeviation } from './clock.js'
import { SimCluster, type SimNode } from './cluster.js'
import { SIM_DETECTOR } from './membership.js'
import { CALM } from './network.js'

const P = defaultElectionParams
/** The production node ticks its election every 20 ms. */
const PRODUCTION_TICK_MS = 20

/** Milliseconds from the master's death (or stop) to the next master holding a lease. */
function failover (seed: number, voters: number, how: 'kill' | 'stop'): number {
  const sim = new SimCluster({
    seed,
    voters,
    workers: 0,
    params: { ...P, expect: voters },
    rateDeviation: maxSafeRateDeviation(P.leaseMs, P.maxDriftMs) / 2,
    tickMs: PRODUCTION_TICK_MS,
    gossipMs: 100,
    detector: SIM_DETECTOR,
    orderEveryMs: 100,
    trace: false
  })
  sim.net.weather = { ...CALM, fastMaxMs: 1 }
  for (const n of sim.nodes) sim.at(sim.rng.next() * 50, () => { sim.start(n) })
  // Stop at a random phase of the renewal cycle.
  const at = 1500 + sim.rng.next() * 1000
  sim.run(at)
  const old = sim.nodes.find(n => n.isMasterNow())
  assert.ok(old !== undefined, `seed ${seed}: no master before the failover`)
  let next: SimNode | undefined
  sim.onMasterSeen = (n) => { if (n !== old && next === undefined) next = n }
  if (how === 'kill') sim.crash(old)
  else sim.leave(old, 50)
  sim.run(at + 10_000, () => next !== undefined)
  assert.ok(next !== undefined, `seed ${seed}: no new master`)
  return sim.now - at
}

function quantiles (xs: number[]): { median: number, p99: number, max: number } {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!
  return { median: q(0.5), p99: q(0.99), max: s[s.length - 1]! }
}

for (const voters of [3, 5]) {
  test(`failover after the master is killed, ${voters} voters: median < 1 s, p99 < 1.5 s`, () => {
    const times = Array.from({ length: 400 }, (_, i) => failover(1000 + i, voters, 'kill'))
    const { median, p99, max } = quantiles(times)
    console.log(`kill, ${voters} voters: median ${median.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${max.toFixed(0)} ms`)
    assert.ok(median < 1000, `median ${median}`)
    assert.ok(p99 < 1500, `p99 ${p99}`)
    // Never faster than the lease allows: the voters' promises to the dead master must run out.
    assert.ok(Math.min(...times) > P.leaseMs - P.renewMs - P.maxDriftMs)
  })

  test(`handover when the master stops gracefully, ${voters} voters: p99 < 200 ms`, () => {
    const times = Array.from({ length: 400 }, (_, i) => failover(5000 + i, voters, 'stop'))
    const { median, p99, max } = quantiles(times)
    console.log(`stop, ${voters} voters: median ${median.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`)
    assert.ok(p99 < 200, `p99 ${p99}`)
  })
}
