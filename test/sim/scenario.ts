// One seeded run: a calm bootstrap, then a burst of random faults (crashes, pauses, graceful leaves,
// partitions, one-way cuts, loss, duplication, slow messages, clock-rate changes), then everything
// heals and a master must appear within the liveness bound. Safety is checked after every event.
// Autopilot runs also lose voters for good, with workers standing by: the dead voters must be
// replaced, one change at a time, while masters die in the middle of changes and lost boxes return.
import { defaultElectionParams } from '../../src/core/election/params.js'
import type { ElectionParams } from '../../src/core/election/types.js'
import { seededRng } from '../../src/core/random.js'
import type { Rng } from '../../src/core/types.js'
import { maxSafeRateDeviation } from './clock.js'
import { SimCluster, type SimNode } from './cluster.js'
import { SimViolation } from './invariants.js'
import { SIM_DETECTOR } from './membership.js'
import { CALM } from './network.js'

export const VOTER_COUNTS = [3, 5, 7] as const

/** When faults start: bootstrap and the first election are over long before. */
const FAULTS_FROM_MS = 800
const BOUNDARY_CYCLES = 3
/** Autopilot runs replace voters fast, so that replacements overlap the faults. */
const AUTOPILOT = { replaceDeadVoterAfterMs: 1500, promoteAfterAliveMs: 300 }
/** Masters killed in the middle of a voter change, per autopilot run (heal or not). */
const MID_CHANGE_KILLS = 2

export type Family = 'chaos' | 'lease-boundary' | 'autopilot'

export interface ScenarioResult {
  seed: number
  family: Family
  voters: number
  workers: number
  /** null when every check held, else what broke. */
  failure: string | null
  /** Master stints seen (a new stint per change of master or epoch). */
  stints: number
  /** From the heal to the first master seen after it. */
  recoveryMs: number | null
  /** Voter changes committed (autopilot runs). */
  changes: number
  /** Autopilot runs: from the loss of a box to the first committed voter set without it (worst box). */
  replacedMs: number | null
  simulatedMs: number
  trace: string[]
}

/** Everything about a run follows from its seed, so `SIM_SEED` alone replays it. */
export function runScenario (seed: number, trace = false): ScenarioResult {
  const draw = seededRng(seed ^ 0xfa5a11).next()
  const family: Family = draw < 0.25 ? 'lease-boundary' : draw < 0.55 ? 'autopilot' : 'chaos'
  const voters = VOTER_COUNTS[seed % VOTER_COUNTS.length]!
  // Autopilot runs need a worker per voter they lose; sometimes two (a choice, and a second loss).
  const workers = family === 'autopilot' ? 1 + (seed >> 2) % 2 : (seed >> 2) % 2
  const params: ElectionParams = { ...defaultElectionParams, expect: voters, ...(family === 'autopilot' ? AUTOPILOT : {}) }
  // 1% inside the bound, so that floating-point rounding never decides a run.
  const rateDeviation = 0.99 * maxSafeRateDeviation(params.leaseMs, params.maxDriftMs)
  const sim = new SimCluster({
    seed, voters, workers, params, rateDeviation, tickMs: 10, gossipMs: 100, detector: SIM_DETECTOR, orderEveryMs: 50, trace
  })
  const rng = sim.rng
  const L = params.leaseMs
  let healAt = Infinity
  let drainAt = Infinity
  let recoveredAt: number | null = null
  sim.onMasterSeen = () => { if (sim.now >= healAt && recoveredAt === null) recoveredAt = sim.now }
  const autopilot = family === 'autopilot' ? new AutopilotPlan(sim, rng) : null
  const result = (failure: string | null): ScenarioResult => ({
    seed, family, voters, workers, failure, stints: sim.monitor.masterStints,
    recoveryMs: recoveredAt === null ? null : recoveredAt - healAt,
    changes: sim.monitor.committedChanges,
    replacedMs: autopilot?.replacedMs ?? null,
    simulatedMs: sim.now,
    trace: sim.traceLines
  })

  try {
    for (const n of sim.nodes) sim.at(rng.next() * 50, () => { sim.start(n) })
    sim.run(FAULTS_FROM_MS)
    const unagreed = sim.nodes.filter(n => n.election?.status(n.local).voters === null).map(n => n.id)
    if (unagreed.length > 0) return result(`bootstrap: ${unagreed.join(', ')} had no voter set after ${FAULTS_FROM_MS} ms`)

    if (family !== 'lease-boundary') {
      healAt = FAULTS_FROM_MS + 300 + rng.next() * 2700
      autopilot?.plan(FAULTS_FROM_MS, healAt)
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
    if (autopilot !== null) {
      const bound = () => drainAt + autopilot.boundMs(params)
      sim.run(bound(), () => sim.now >= drainAt && autopilot.settled())
      if (!autopilot.settled()) return result(`liveness: ${autopilot.missing()} within ${Math.round(bound() - healAt)} ms of the heal`)
      return result(null)
    }
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
        const exitAt = sim.now + rng.next() * 30
        sim.leave(n, exitAt - sim.now)
        // A process that exits after the heal must still come back.
        sim.at(Math.max(exitAt, before(sim.now + 50 + rng.next() * 1500)), () => { sim.start(n) })
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

/**
 * Loses a voter for good before the heal (the master half of the time) and, with two workers, a
 * second one once the first is replaced (so it knows a newer voter set than the bootstrap one).
 * Kills the master right after it proposes a voter change (up to MID_CHANGE_KILLS times, heal or
 * not), and brings back some lost boxes once they were removed from the voter set, to find them
 * workers: often into a partition that cuts them and some voters off the master, where only the
 * up-to-date rule keeps a box that believes in its old voter set from being elected by them.
 */
class AutopilotPlan {
  /** Lost boxes: when they were lost, and when a master first committed a set without them. */
  private readonly lost = new Map<string, { at: number, removedAt: number | null }>()
  private losses = 0
  private kills = 0
  private revivals = 0

  constructor (private readonly sim: SimCluster, private readonly rng: Rng) {}

  /** Boxes are lost before `until` (the heal), so that every run has lost some when it settles. */
  plan (from: number, until: number): void {
    const { sim, rng } = this
    // As many losses as there are workers to replace them.
    this.losses = sim.opts.workers
    const aimAtMaster = rng.next() < 0.5
    sim.at(from + rng.next() * (until - from), () => { this.loseOne(aimAtMaster) })
    sim.onElectionEvent = (n, ev) => {
      if (ev.type === 'config-proposed' && this.kills < MID_CHANGE_KILLS && rng.next() < 0.5) this.killSoon(n)
      if (ev.type === 'voter-removed' && n.isMasterNow()) {
        const box = this.lost.get(ev.voter)
        if (box === undefined || box.removedAt !== null) return
        box.removedAt = sim.now
        if (this.lost.size < this.losses) sim.at(sim.now + rng.next() * 1500, () => { this.loseOne(rng.next() < 0.5) })
        if (rng.next() < 0.5) this.reviveLater(sim.node(ev.voter))
      }
    }
  }

  private loseOne (aimAtMaster: boolean): void {
    const voters = this.currentVoters().filter(n => !n.gone)
    const master = voters.find(n => n.isMasterNow())
    const victim = aimAtMaster && master !== undefined ? master : voters[Math.floor(this.rng.next() * voters.length)]
    if (victim === undefined) return
    this.sim.crashForGood(victim)
    this.lost.set(victim.id, { at: this.sim.now, removedAt: null })
  }

  /**
   * Liveness bound after the heal. Per loss still to be replaced (the second comes up to 1.5 s
   * after the first is removed): noticed dead, waited out, a worker out of quarantine, two changes.
   * Plus a master; a failover per master still to be killed mid-change; per revival (up to 1 s
   * after a removal) a partition of up to 3 leases and a failover after it.
   */
  boundMs (p: ElectionParams): number {
    const { gossipMs, detector } = this.sim.opts
    const master = 3 * p.leaseMs + p.backoffMaxMs
    const unreplaced = this.losses - [...this.lost.values()].filter(b => b.removedAt !== null).length
    const perLoss = 1500 + detector.deadMs + gossipMs + p.replaceDeadVoterAfterMs + p.leaseMs + 2 * (3 * p.renewMs + 50)
    const kills = (MID_CHANGE_KILLS - this.kills) * (master + p.renewMs)
    const revivals = this.losses * (1000 + 3 * p.leaseMs + master)
    return master + unreplaced * perLoss + kills + revivals
  }

  /** Every loss happened and was replaced: no lost box in the master's set, nothing in flight, every live node knowing the set. */
  settled (): boolean {
    if (this.revivals > 0 || this.lost.size < this.losses) return false
    const master = this.sim.nodes.find(n => n.isMasterNow())
    const status = master?.election?.status(master.local)
    if (status === undefined || status.pendingConfig !== null) return false
    if (this.sim.nodes.some(n => n.gone && status.voters?.includes(n.id) === true)) return false
    return this.sim.nodes.every(n => n.state !== 'up' || n.election?.status(n.local).configVersion === status.configVersion)
  }

  /** From the loss of a box to the first committed voter set without it, worst over the lost boxes. */
  get replacedMs (): number | null {
    let worst: number | null = null
    for (const box of this.lost.values()) {
      if (box.removedAt !== null) worst = Math.max(worst ?? 0, box.removedAt - box.at)
    }
    return worst
  }

  missing (): string {
    const master = this.sim.nodes.find(n => n.isMasterNow())
    if (master === undefined) return 'no master'
    const s = master.election!.status(master.local)
    const lost = this.sim.nodes.filter(n => n.gone).map(n => n.id)
    const behind = this.sim.nodes.filter(n => n.state === 'up' && n.election?.status(n.local).configVersion !== s.configVersion).map(n => n.id)
    return `master ${master.id} has voter set ${s.configVersion} [${s.voters}]${s.pendingConfig === null ? '' : ` with [${s.pendingConfig.voters}] in flight`}, ` +
      `lost [${lost}], behind [${behind}], revivals due ${this.revivals}`
  }

  /** The newest committed voter set on any disk (every node may be down at the moment). */
  private currentVoters (): SimNode[] {
    let newest: { version: number, voters: readonly string[] } = { version: -1, voters: [] }
    for (const n of this.sim.nodes) {
      const version = n.disk?.configVersion ?? 0
      if (n.disk?.voters != null && version > newest.version) newest = { version, voters: n.disk.voters }
    }
    return this.sim.nodes.filter(n => newest.voters.includes(n.id))
  }

  private killSoon (master: SimNode): void {
    const { sim, rng } = this
    this.kills++
    const incarnation = master.incarnation
    sim.at(sim.now + rng.next() * 1.5 * sim.opts.params.renewMs, () => {
      if (master.incarnation !== incarnation || master.gone) return
      sim.trace(`kill master ${master.id} in the middle of a voter change`)
      sim.crash(master)
      sim.at(sim.now + 100 + rng.next() * 900, () => { sim.start(master) })
    })
  }

  private reviveLater (box: SimNode): void {
    const { sim, rng } = this
    if (!box.gone) return
    this.revivals++
    const cutOff = rng.next() < 0.6
    sim.at(sim.now + rng.next() * 1000, () => {
      this.revivals--
      sim.revive(box)
      const master = sim.nodes.find(n => n.isMasterNow())
      if (!cutOff || master === undefined) return
      const withMaster = sim.nodes.filter(n => n === master || (n !== box && rng.next() < 0.4))
      const rest = sim.nodes.filter(n => !withMaster.includes(n))
      sim.trace(`partition after ${box.id} came back: [${withMaster.map(n => n.id)}] | [${rest.map(n => n.id)}]`)
      sim.net.partition([withMaster.map(n => n.id), rest.map(n => n.id)])
      // Past the returning box's quarantine and the cut-off voters' promises to the master.
      sim.at(sim.now + sim.opts.params.leaseMs * (1.2 + 1.8 * rng.next()), () => { sim.trace('partitions heal'); sim.net.heal() })
    })
  }
}
