// Doing a fault schedule in time order against the running cluster.
import type { LocalCluster } from '../local-cluster.js'
import type { FaultEvent, FaultKind } from './events.js'
import type { FaultInjector } from './faults.js'
import type { PlannedFault } from './schedule.js'
import { sleep } from './sleep.js'
import type { ClusterWatch, MasterSeen } from './watch.js'

/** How long a master fault waits for a master to hit (a slow election on a loaded machine). */
const MASTER_WAIT_MS = 30_000

export interface PlanContext {
  cluster: LocalCluster
  faults: FaultInjector
  watch: ClusterWatch
  /** Write a fault to the history (and the log). */
  record: (kind: FaultKind, phase: FaultEvent['phase'], i: number, master: { epoch: number } | null, detail?: string) => void
  /** Planned faults not done, and why. */
  missed: Array<{ at: number, kind: FaultKind, reason: string }>
  signal: AbortSignal | undefined
}

/**
 * Run the plan in time order. Waiting for a master to hit (or waking up late) delays everything
 * after it by as much, so that the spacing the seed chose (and each fault's duration) is kept.
 */
export async function executePlan (plan: readonly PlannedFault[], runStart: number, c: PlanContext): Promise<void> {
  const queue: Array<{ at: number, run: () => Promise<void> | void }> = []
  const killedBy = new Map<number, number>()
  let lag = 0
  const hitMaster = async (f: PlannedFault): Promise<MasterSeen | null> => {
    const waitStart = Date.now()
    const m = await c.watch.waitForMaster(MASTER_WAIT_MS, c.signal)
    lag += Date.now() - waitStart
    if (m == null && c.signal?.aborted !== true) c.missed.push({ at: f.at, kind: f.kind, reason: `no master that a majority agreed on within ${MASTER_WAIT_MS / 1000} s` })
    return m
  }
  plan.forEach((f, planIndex) => queue.push({
    at: f.at,
    run: async () => {
      if (f.kind === 'restart') {
        const i = killedBy.get(f.of)
        if (i === undefined || !c.faults.isKilled(i)) return
        c.faults.restart(i)
        c.record('restart', 'inject', i, null)
        return
      }
      if (f.kind === 'loss') {
        const i = f.host - 1
        c.faults.lossOn(i, f.lossPercent, f.delayMs)
        c.record('loss', 'inject', i, null, `${f.lossPercent}% loss, ${f.delayMs} ms delay for ${f.durationMs} ms`)
        queue.push({ at: f.at + f.durationMs, run: () => { c.faults.lossOff(i); c.record('loss', 'end', i, null) } })
        return
      }
      const master = await hitMaster(f)
      if (master == null) return
      const i = master.index
      if (f.kind === 'kill') {
        c.record('kill', 'inject', i, master)
        await c.faults.kill(i)
        killedBy.set(planIndex, i)
      } else if (f.kind === 'pause') {
        c.record('pause', 'inject', i, master, `SIGSTOP for ${f.durationMs} ms`)
        c.faults.pause(i)
        queue.push({ at: f.at + f.durationMs, run: () => { c.faults.resume(i); c.record('pause', 'end', i, null) } })
      } else {
        c.record('partition', 'inject', i, master, `data link down for ${f.durationMs} ms`)
        c.faults.isolate(i)
        queue.push({ at: f.at + f.durationMs, run: () => { c.faults.heal(i); c.record('partition', 'end', i, null) } })
      }
    }
  }))
  const aborted = (): boolean => c.signal?.aborted === true
  while (queue.length > 0 && !aborted()) {
    queue.sort((a, b) => a.at - b.at)
    const next = queue.shift()!
    await sleep(runStart + lag + next.at - Date.now(), c.signal)
    // A late wake-up (a busy machine) shifts the rest too: a restart keeps its delay after its kill.
    lag = Math.max(lag, Date.now() - runStart - next.at)
    if (!aborted()) await next.run()
  }
}
