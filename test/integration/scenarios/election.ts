// Election scenarios on real processes, shared by the loopback tests and the namespace-LAN
// partition test. Each returns what it observed; the tests assert.
import type { LocalCluster } from '../../../src/harness/local-cluster.js'
import type { NodeProcess } from '../../../src/harness/node-process.js'
import { waitFor } from '../../../src/harness/node-process.js'
import type { ClusterStatus } from '../../../src/node/status.js'

export interface MasterView { id: string, epoch: number }

/** The master that every given node agrees on, or undefined. */
export async function agreedMaster (nodes: NodeProcess[]): Promise<MasterView | undefined> {
  const st = await Promise.all(nodes.map(async n => await n.status(500)))
  if (st.some(s => s?.master == null)) return undefined
  const masters = (st as ClusterStatus[]).map(s => s.master!)
  const first = masters[0]!
  return masters.every(m => m.id === first.id && m.epoch === first.epoch) ? { id: first.id, epoch: first.epoch } : undefined
}

export function nodeById (cluster: LocalCluster, statuses: ClusterStatus[], id: string): NodeProcess {
  const i = statuses.findIndex(s => s.self.id === id)
  if (i < 0) throw new Error(`no node with id ${id}`)
  return cluster.nodes.filter(n => n.alive)[i]!
}

export interface KillResult { before: MasterView, after: MasterView, victim: NodeProcess }

/** SIGKILL the master, or stop it gracefully (SIGTERM); wait until the survivors agree on a new one. */
export async function killMaster (cluster: LocalCluster, how: 'kill' | 'stop' = 'kill'): Promise<KillResult> {
  const statuses = await cluster.waitConverged(30_000)
  const before = { id: statuses[0]!.master!.id, epoch: statuses[0]!.master!.epoch }
  const victim = nodeById(cluster, statuses, before.id)
  if (how === 'kill') {
    victim.signal('SIGKILL')
    await victim.waitExit()
  } else {
    await victim.stop()
  }
  const survivors = cluster.nodes.filter(n => n.alive)
  const after = await waitFor('a new master', async () => {
    const m = await agreedMaster(survivors)
    return m != null && m.id !== before.id ? m : undefined
  }, 15_000, 20)
  return { before, after, victim }
}

export interface PauseResult {
  before: MasterView
  during: MasterView
  /** What the paused node said about itself after SIGCONT. */
  resumedSelfRole: string
  resumedSeesMaster: MasterView | null
  /** Whether the resumed node ever reported itself master after waking (it must not). */
  resumedClaimedMaster: boolean
}

/** SIGSTOP the master well past its lease, let the others elect, then SIGCONT it. */
export async function pauseMaster (cluster: LocalCluster, pauseMs: number): Promise<PauseResult> {
  const statuses = await cluster.waitConverged(30_000)
  const before = { id: statuses[0]!.master!.id, epoch: statuses[0]!.master!.epoch }
  const victim = nodeById(cluster, statuses, before.id)
  victim.signal('SIGSTOP')
  const others = cluster.nodes.filter(n => n !== victim && n.alive)
  const during = await waitFor('a new master while the old one is paused', async () => {
    const m = await agreedMaster(others)
    return m != null && m.id !== before.id ? m : undefined
  }, 15_000, 20)
  await new Promise(resolve => setTimeout(resolve, pauseMs))
  victim.signal('SIGCONT')
  // Poll the woken node closely: it must never report itself master again.
  let resumedClaimedMaster = false
  const woke = await waitFor('the resumed node to answer and follow the new master', async () => {
    const s = await victim.status(500)
    if (s == null) return undefined
    if (s.master?.id === before.id) resumedClaimedMaster = true
    return s.master != null && s.master.id !== before.id ? s : undefined
  }, 15_000, 10)
  return {
    before,
    during,
    resumedSelfRole: woke.self.role,
    resumedSeesMaster: woke.master == null ? null : { id: woke.master.id, epoch: woke.master.epoch },
    resumedClaimedMaster
  }
}
