// Which node the load client submits each task through.
import type { LocalCluster } from '../local-cluster.js'
import type { FaultInjector } from './faults.js'
import type { Entry } from './load.js'
import type { ClusterWatch } from './watch.js'

/** Round-robin over the healthy nodes that are not the master (the master if no other is left). */
export function entryPicker (cluster: LocalCluster, faults: FaultInjector, watch: ClusterWatch): () => Entry | undefined {
  let next = 0
  return () => {
    // A restarted node takes tasks once it answers again.
    const ready = cluster.nodes.map((_, i) => i).filter(i => faults.healthy(i) && watch.ids[i] != null && watch.answeredSince(i, faults.restartedAtOf(i)))
    const pool = ready.filter(i => i !== watch.master?.index)
    const choices = pool.length > 0 ? pool : ready
    if (choices.length === 0) return undefined
    const i = choices[next++ % choices.length]!
    const node = cluster.nodes[i]!
    const deaths = faults.deathsOf(i)
    return {
      http: node.spec.http!,
      ...(node.spec.httpToken != null ? { token: node.spec.httpToken } : {}),
      id: watch.ids[i]!,
      diedSince: () => faults.deathsOf(i) !== deaths
    }
  }
}
