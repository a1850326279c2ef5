// The membership scenario shared by the loopback test and the mDNS-in-a-namespace test:
// three nodes see each other alive with capacity; a stopped node is marked gone promptly;
// a restarted one comes back. Returns what it measured; the tests assert on it.
import type { LocalCluster } from '../../../src/harness/local-cluster.js'
import { waitFor } from '../../../src/harness/node-process.js'
import type { ClusterStatus } from '../../../src/node/status.js'

export interface MembershipScenarioResult {
  convergedMs: number
  /** For each node: the ids it saw alive and the capacity slots it saw for each. */
  views: Array<{ self: string, alive: string[], slots: number[] }>
  /** For each node: peers its mDNS service found (from /status network.discovered). */
  mdnsDiscovered: number[]
  goneAfterStopMs: number
  goneState: string[]
  backAfterRestartMs: number
  backViews: number[]
}

export async function runMembershipScenario (cluster: LocalCluster): Promise<MembershipScenarioResult> {
  const t0 = Date.now()
  cluster.start()
  const first = await cluster.waitConverged(30_000)
  const convergedMs = Date.now() - t0
  const views = first.map(s => ({
    self: s.self.id,
    alive: s.members.filter(m => m.state === 'alive' && !m.self).map(m => m.id),
    slots: s.members.filter(m => !m.self).map(m => m.capacity.slots)
  }))

  const victim = cluster.nodes[2]!
  const victimId = first[2]!.self.id
  const t1 = Date.now()
  await victim.stop()
  const survivors = cluster.nodes.slice(0, 2)
  const after = await waitFor('survivors to mark the stopped node gone', async () => {
    const st = await Promise.all(survivors.map(async n => await n.status()))
    if (st.some(s => s == null)) return undefined
    const members = (st as ClusterStatus[]).map(s => s.members.find(m => m.id === victimId))
    const states = members.map(m => m == null ? 'missing' : m.state === 'dead' ? `dead:${m.deadReason ?? '?'}` : m.state)
    return states.every(x => x.startsWith('dead') || x === 'missing') ? states : undefined
  }, 10_000, 20)
  const goneAfterStopMs = Date.now() - t1

  const t2 = Date.now()
  victim.start()
  const back = await waitFor('the restarted node to be seen again', async () => {
    const st = await Promise.all(cluster.nodes.map(async n => await n.status()))
    if (st.some(s => s == null)) return undefined
    const counts = (st as ClusterStatus[]).map(s => s.members.filter(m => m.state === 'alive').length)
    return counts.every(c => c === 3) ? counts : undefined
  }, 20_000, 20)
  const backAfterRestartMs = Date.now() - t2
  return { convergedMs, views, mdnsDiscovered: first.map(s => s.network?.discovered ?? -1), goneAfterStopMs, goneState: after, backAfterRestartMs, backViews: back }
}
