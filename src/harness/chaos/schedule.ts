// The fault schedule of a chaos run: a pure function of the seed and the parameters, so that a
// run's faults replay exactly (what they hit at run time, "the master at that moment", can
// differ, since elections race). Kill, pause and partition hit the master of the moment;
// loss hits a host by number.
import { randomInt, seededRng } from '../../core/random.js'
import type { Rng } from '../../core/types.js'
import type { FaultKind, MasterFaultKind } from './events.js'

export interface ScheduleParams {
  seed: number
  durationMs: number
  /** The faults to plan (the unavailable ones already left out). */
  faults: readonly FaultKind[]
  nodes: number
  leaseMs: number
  /** Mean time from one master fault to the next. */
  intervalMs: number
  /** Quiet time at the start, before the first fault. */
  warmupMs?: number
}

export type PlannedFault =
  | { at: number, kind: 'kill' }
  /** Start again the node that the kill at index `of` stopped. */
  | { at: number, kind: 'restart', of: number }
  | { at: number, kind: 'pause' | 'partition', durationMs: number }
  | { at: number, kind: 'loss', host: number, durationMs: number, lossPercent: number, delayMs: number }

/** Share of the master faults given to each of pause and partition (at least one each); kills take the rest. */
const SHARE = 0.15
/** Time for the cluster to settle after a fault is undone, before the next master fault. */
export const SETTLE_MS = 1500

export function planSchedule (p: ScheduleParams): PlannedFault[] {
  const rng = seededRng(p.seed)
  const warmup = p.warmupMs ?? 3000
  const kinds = shuffle(composition(p), rng)
  const plan: PlannedFault[] = []
  const restartOf = new Map<PlannedFault, PlannedFault>()
  let slot = warmup
  kinds.forEach((kind, i) => {
    const at = slot + randomInt(rng, 0, Math.floor(p.intervalMs * 0.3))
    let end = at
    if (kind === 'kill') {
      const kill: PlannedFault = { at, kind }
      plan.push(kill)
      if (p.faults.includes('restart')) {
        const restart: PlannedFault = { at: at + randomInt(rng, 1000, 2500), kind: 'restart', of: -1 }
        restartOf.set(restart, kill)
        plan.push(restart)
        end = restart.at
      }
    } else {
      // Past the lease by at least one more lease: the others must elect meanwhile.
      const durationMs = Math.round((kind === 'pause' ? 2 : 2.5) * p.leaseMs) + randomInt(rng, 0, p.leaseMs)
      plan.push({ at, kind, durationMs })
      end = at + durationMs
    }
    if (p.faults.includes('loss') && i % 2 === 1) plan.push(lossWindow(end + 500, p.nodes, rng))
    slot = Math.max(warmup + (i + 1) * p.intervalMs, end + SETTLE_MS)
  })
  if (kinds.length === 0 && p.faults.includes('loss')) {
    for (let at = warmup; at < p.durationMs; at += p.intervalMs) plan.push(lossWindow(at, p.nodes, rng))
  }
  plan.sort((a, b) => a.at - b.at)
  return plan.map(f => f.kind === 'restart' ? { ...f, of: plan.indexOf(restartOf.get(f)!) } : f)
}

/** When the last planned fault is over (its end, or its restart). */
export function planEnd (plan: readonly PlannedFault[]): number {
  return plan.reduce((end, f) => Math.max(end, f.at + ('durationMs' in f ? f.durationMs : 0)), 0)
}

/** How many master faults of each kind, before shuffling. */
function composition (p: ScheduleParams): MasterFaultKind[] {
  const enabled = (['kill', 'pause', 'partition'] as const).filter(k => p.faults.includes(k))
  if (enabled.length === 0) return []
  const count = Math.max(1, Math.floor((p.durationMs - (p.warmupMs ?? 3000)) / p.intervalMs))
  const others = enabled.filter(k => k !== 'kill')
  const out: MasterFaultKind[] = []
  for (const k of others) out.push(...Array<MasterFaultKind>(Math.max(1, Math.round(count * SHARE))).fill(k))
  if (enabled.includes('kill')) {
    let kills = Math.max(0, count - out.length)
    // Without restarts the dead stay dead: kill no more than a minority, or no quorum is left.
    if (!p.faults.includes('restart')) kills = Math.min(kills, Math.floor((p.nodes - 1) / 2))
    out.push(...Array<MasterFaultKind>(kills).fill('kill'))
  }
  for (let i = 0; out.length < count && others.length > 0; i++) out.push(others[i % others.length]!)
  return out
}

function lossWindow (at: number, nodes: number, rng: Rng): PlannedFault {
  return { at, kind: 'loss', host: randomInt(rng, 1, nodes), durationMs: randomInt(rng, 2000, 4000), lossPercent: randomInt(rng, 5, 20), delayMs: randomInt(rng, 10, 50) }
}

function shuffle<T> (items: T[], rng: Rng): T[] {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(rng, 0, i)
    const tmp = a[i]!
    a[i] = a[j]!
    a[j] = tmp
  }
  return a
}
