// The harness's view of the cluster, from polling every node's /status: the nodes' peer ids,
// which nodes answer, and who is master. Faults aim at "the master at that moment" through it,
// and the load client picks its entry nodes with it.
import type { LocalCluster } from '../local-cluster.js'
import type { ClusterStatus } from '../../node/status.js'
import type { FaultInjector } from './faults.js'
import { sleep } from './sleep.js'

export interface MasterSeen { index: number, id: string, epoch: number }

export class ClusterWatch {
  /** Peer ids by node index, learned from their status (a restarted node keeps its id). */
  readonly ids: Array<string | undefined>
  /** When each node last answered a poll (0: never). */
  private readonly answeredAt: number[]
  /** The master most answering nodes name (null while there is none). */
  master: MasterSeen | null = null
  private timer?: NodeJS.Timeout

  constructor (private readonly cluster: LocalCluster, private readonly faults: FaultInjector) {
    this.ids = cluster.nodes.map(() => undefined)
    this.answeredAt = cluster.nodes.map(() => 0)
  }

  start (intervalMs = 500): void {
    const loop = (): void => {
      void this.poll().finally(() => { if (this.timer != null) this.timer = setTimeout(loop, intervalMs) })
    }
    this.timer = setTimeout(loop, 0)
  }

  stop (): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Whether node i has answered since `t` (a slow answer now and then does not count against it). */
  answeredSince (i: number, t: number): boolean {
    return this.answeredAt[i]! > t
  }

  /** Poll the nodes that can answer (a paused one would only time out). */
  async poll (): Promise<Array<ClusterStatus | undefined>> {
    const st = await Promise.all(this.cluster.nodes.map(async (n, i) => n.alive && !this.faults.isPaused(i) ? await n.status(800) : undefined))
    st.forEach((s, i) => {
      if (s == null) return
      this.answeredAt[i] = Date.now()
      this.ids[i] = s.self.id
    })
    this.master = this.mostNamed(st)
    return st
  }

  /**
   * Wait until `quorum` nodes (default: a majority of all) name the same master and term, and
   * that master is healthy and names itself. Null if that does not happen in time (or the
   * signal aborts).
   */
  async waitForMaster (timeoutMs: number, signal?: AbortSignal, quorum = Math.floor(this.cluster.nodes.length / 2) + 1): Promise<MasterSeen | null> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline && signal?.aborted !== true) {
      const st = await this.poll()
      const m = this.master
      const named = st.filter(s => s?.master != null && s.master.id === m?.id && s.master.epoch === m.epoch).length
      if (m != null && named >= quorum && this.faults.healthy(m.index) && st[m.index]?.master?.id === m.id) return m
      await sleep(100, signal)
    }
    return null
  }

  private mostNamed (st: Array<ClusterStatus | undefined>): MasterSeen | null {
    const votes = new Map<string, { id: string, epoch: number, n: number }>()
    for (const s of st) {
      if (s?.master == null) continue
      const key = `${s.master.id} ${s.master.epoch}`
      const v = votes.get(key) ?? { id: s.master.id, epoch: s.master.epoch, n: 0 }
      v.n++
      votes.set(key, v)
    }
    const best = [...votes.values()].sort((a, b) => b.n - a.n || b.epoch - a.epoch)[0]
    return best == null ? null : this.seen(best.id, best.epoch)
  }

  private seen (id: string, epoch: number): MasterSeen | null {
    const index = this.ids.indexOf(id)
    return index < 0 ? null : { index, id, epoch }
  }
}
