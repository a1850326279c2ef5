// The demo's story, shared by `mcp-cluster demo` and its test: a stream of tasks through a
// node that is not the master, the master SIGKILLed part-way, a new master taking over, and
// every task completing. Returns what it measured.
import type { LocalCluster } from './local-cluster.js'
import { waitFor } from './node-process.js'
import type { ClusterStatus } from '../node/status.js'

export interface DemoSummary {
  tasks: number
  done: number
  failed: number
  /** Tasks that needed more than one attempt (their worker died): counted, never hidden. */
  retried: number
  oldMaster: { id: string, epoch: number }
  newMaster: { id: string, epoch: number }
  failoverMs: number
  elapsedMs: number
  tasksPerSecond: number
}

export async function runDemoStory (cluster: LocalCluster, statuses: ClusterStatus[], tasks: number, say: (s: string) => void): Promise<DemoSummary> {
  const master = statuses[0]!.master!
  const masterNode = cluster.nodes[statuses.findIndex(s => s.self.id === master.id)]!
  const client = cluster.nodes[statuses.findIndex(s => s.self.id !== master.id)]!
  say(`submitting ${tasks} sha256 tasks through ${client.spec.name} (not the master), 16 at a time...`)
  const t0 = Date.now()
  let next = 0
  let done = 0
  let failed = 0
  let retried = 0
  const loop = async (): Promise<void> => {
    while (next < tasks) {
      next++
      const r = await client.submit({ type: 'sha256', payload: { data: `demo-${next}`, rounds: 2000 } })
      if (r.ok) done++
      else failed++
      if (r.attempts > 1) retried++
    }
  }
  const loops = Array.from({ length: 16 }, loop)
  await waitFor('a third of the tasks', () => done + failed >= tasks / 3, 120_000)
  say(`${done} done; killing the master ${masterNode.spec.name} (kill -9) ...`)
  const killedAt = Date.now()
  masterNode.signal('SIGKILL')
  const others = cluster.nodes.filter(n => n !== masterNode)
  const newMaster = await waitFor('a new master', async () => {
    const s = await others[0]!.status()
    return s?.master != null && s.master.id !== master.id ? s.master : undefined
  }, 30_000, 20)
  const failoverMs = Date.now() - killedAt
  const name = cluster.nodes.find((_, i) => statuses[i]?.self.id === newMaster.id)?.spec.name ?? newMaster.id
  say(`new master ${name} at epoch ${newMaster.epoch}, ${failoverMs} ms after the kill; the tasks go on...`)
  await Promise.all(loops)
  const elapsedMs = Date.now() - t0
  return {
    tasks,
    done,
    failed,
    retried,
    oldMaster: { id: master.id, epoch: master.epoch },
    newMaster: { id: newMaster.id, epoch: newMaster.epoch },
    failoverMs,
    elapsedMs,
    tasksPerSecond: Math.round(tasks / (elapsedMs / 1000))
  }
}
