// One seeded run: a calm bootstrap, then a burst of random faults (crashes, pauses, graceful leaves,
// partitions, one-way cuts, loss, duplication, slow messages, clock-rate changes), then everything
// heals and a master must appear within the liveness bound. Safety is checked after every event.
import { defaultElectionParams } from '../../src/core/election/params.js'
import type { Rng } from '../../src/core/types.js'
import { maxSafeRateDeviation } from './clock.js'
import { SimCluster, type SimNode } from './cluster.js'
import { SimViolation } from './invariants.js'
import { CALM } from './network.js'

export const VOTER_COUNTS = [3, 5, 7] as const

/** When faults start: bootstrap and the first election are over long before. */
const FAULTS_FROM_MS = 800
const BOUNDARY_CYCLES = 3

export interface ScenarioResult {
  seed: number
  family: 'chaos' | 'lease-boundary'
  voters: number
  workers: number
  /** null when every check held, else what broke. */
  failure: string | null
  /** Master stints seen (a new stint per change of master or epoch). */
  stints: number
  /** From the heal to the first master seen after it. */
  recoveryMs: number | null
  simulatedMs: number
  trace: string[]
}

/** Everything about a run follows from its seed, so `SIM_SEED` alone replays it. */
export function runScenario (seed: number, trace = false): ScenarioResult {
  const params = defaultElectionParams
  const voters = VOTER_COUNTS[seed % VOTER_COUNTS.length]!
  const workers = (seed >> 2) % 2
  // 1% inside the bound, so that floating-point rounding never decides a run.
  const rateDeviation = 0.99 * maxSafeRateDeviation(params.leaseMs, params.maxDriftMs)
  const sim = new SimCluster({
    seed, voters, workers, params: { ...params, expect: voters }, rateDeviation, tickMs: 10, gossipMs: 100, orderEveryMs: 50, trace
  })
  const rng = sim.rng
  const family: ScenarioResult['family'] = rng.next() < 0.3 ? 'lease-boundary' : 'chaos'
  const L = params.leaseMs
  let healAt = Infinity
  let drainAt = Infinity
  let recoveredAt: number | null = null
  sim.onMasterSeen = () => { if (sim.now >= healAt && recoveredAt === null) recoveredAt = sim.now }
  const result = (failure: string | null): ScenarioResult => ({
    seed, family, voters, workers, failure, stints: sim.monitor.masterStints,
    recoveryMs: recoveredAt === null ? null : recoveredAt - healAt, simulatedMs: sim.now, trace: sim.traceLines
  })

  try {
    for (const n of sim.nodes) sim.at(rng.next() * 50, () => { sim.start(n) })
    sim.run(FAULTS_FROM_MS)
    const unagreed = sim.nodes.filter(n => n.election?.status(n.local).voters === null).map(n => n.id)
    if (unagreed.length > 0) return result(`bootstrap: ${unagreed.join(', ')} had no voter set after ${FAULTS_FROM_MS} ms`)

    if (family === 'chaos') {
      healAt = FAULTS_FROM_MS + 300 + rng.next() * 2700
      planChaos(sim, rng, FAULTS_FROM_MS, healAt, L)
    } else {
      healAt = FAULTS_FROM_MS + BOUNDARY_CYCLES * 2.2 * L
      planLeaseBoundary(sim, rng, FAULTS_FROM_MS, L)
    }
    sim.at(healAt, () => {
      sim.trace('--- heal: faults stop ---')
      sim.net.weather = { ...CALM }
      sim.net.heal()
      for (const n of sim.nodes) {
        sim.resume(n)
        sim.start(n)
      }
      drainAt = Math.max(healAt, sim.lastDeliveryAt)
    })
    // Liveness: in-flight stale messages may still land (and must be fenced); then a lease can
    // take a full lease to expire, a restarted voter's quarantine another, and a split vote one more.
    const deadline = () => drainAt + 3 * L + params.backoffMaxMs
    sim.run(healAt)
    sim.run(deadline(), () => recoveredAt !== null && sim.now >= drainAt)
    if (recoveredAt === null) return result(`liveness: no master within ${Math.round(deadline() - healAt)} ms of the heal`)
    return result(null)
  } catch (err) {
    if (err instanceof SimViolation) return result(`safety: ${err.message}`)
    throw err
  }
}

function planChaos (sim: SimCluster, rng: Rng, from: number, healAt: number, L: number): void {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!
  const span = healAt - from
  sim.at(from, () => {
    sim.net.weather = {
      lossRate: pick([0, 0.02, 0.1, 0.3]),
      duplicateRate: pick([0, 0.05, 0.2]),
      slowRate: pick([0, 0.01, 0.05, 0.2]),
      fastMaxMs: pick([1, 5, 30]),
      slowMaxMs: L * (0.2 + 1.4 * rng.next())
    }
  })
  const before = (t: number): number => Math.min(t, healAt)
  const faults = 1 + Math.floor(rng.next() * 8)
  for (let i = 0; i < faults; i++) {
    const at = from + rng.next() * span
    const kind = rng.next()
    // Most faults hit whoever is master when they fire: that is where the hard cases are.
    const target = (preferMaster: boolean): SimNode | undefined => {
      const master = sim.nodes.find(n => n.isMasterNow())
      if (preferMaster && master !== undefined) return master
      const up = sim.nodes.filter(n => n.state === 'up')
      return up.length === 0 ? undefined : pick(up)
    }
    sim.at(at, () => {
      if (kind < 0.30) {
        const n = target(kind < 0.2)
        if (n === undefined) return
        sim.crash(n)
        sim.at(before(sim.now + rng.next() * 1500), () => { sim.start(n) })
      } else if (kind < 0.55) {
        const n = target(kind < 0.45)
        if (n === undefined) return
        sim.pause(n)
        sim.at(before(sim.now + rng.next() * 2 * L), () => { sim.resume(n) })
      } else if (kind < 0.65) {
        const n = target(true)
        if (n === undefined) return
        sim.leave(n, rng.next() * 30)
        sim.at(before(sim.now + 50 + rng.next() * 1500), () => { sim.start(n) })
      } else if (kind < 0.85) {
        const master = target(kind < 0.72)
        const a = sim.nodes.filter(n => n === master || (master === undefined && rng.next() < 0.5) || (master !== undefined && rng.next() < 0.3))
        const b = sim.nodes.filter(n => !a.includes(n))
        sim.trace(`partition [${a.map(n => n.id).join(',')}] | [${b.map(n => n.id).join(',')}]`)
        sim.net.partition([a.map(n => n.id), b.map(n => n.id)])
        sim.at(before(sim.now + 100 + rng.next() * 2000), () => { sim.trace('partitions heal'); sim.net.heal() })
      } else if (kind < 0.93) {
        const from = pick(sim.nodes)
        const to = pick(sim.nodes)
        sim.trace(`cut ${from.id} -> ${to.id}`)
        sim.net.cut(from.id, to.id)
        sim.at(before(sim.now + rng.next() * 1500), () => { sim.net.heal() })
      } else {
        const n = pick(sim.nodes)
        sim.setRate(n, sim.drawRate())
      }
    })
  }
}

/**
 * Failovers at the edge of the lease: the master's clock runs slowest and everyone else's fastest,
 * then the master is cut off (partitioned, silenced one way, or paused) while still alive, so that
 * its lease and the next master's election come as close as the drift bound allows. Network delays
 * vary, so that a lease counted from the wrong moment shows too.
 */
function planLeaseBoundary (sim: SimCluster, rng: Rng, from: number, L: number): void {
  const d = sim.opts.rateDeviation
  for (let cycle = 0; cycle < BOUNDARY_CYCLES; cycle++) {
    const start = from + cycle * 2.2 * L
    sim.at(start, () => {
      sim.net.weather = { ...CALM, fastMaxMs: [0.2, 2, 10, 40][Math.floor(rng.next() * 4)]! }
      const master = sim.nodes.find(n => n.isMasterNow())
      if (master === undefined) return
      for (const n of sim.nodes) sim.setRate(n, n === master ? 1 - d : 1 + d)
      // Somewhere within a renewal period, so that the cut lands at every phase of the renewals.
      sim.at(sim.now + rng.next() * sim.opts.params.renewMs, () => {
        const others = sim.nodes.filter(n => n !== master).map(n => n.id)
        const how = rng.next()
        const lasts = L + rng.next() * L
        if (how < 0.4) {
          sim.trace(`isolate master ${master.id}`)
          sim.net.partition([[master.id], others])
        } else if (how < 0.7) {
          sim.trace(`silence master ${master.id}`)
          for (const o of others) sim.net.cut(master.id, o)
        } else {
          sim.pause(master)
          sim.at(sim.now + lasts, () => { sim.resume(master) })
        }
        sim.at(sim.now + lasts, () => { sim.net.heal() })
      })
    })
  }
}
