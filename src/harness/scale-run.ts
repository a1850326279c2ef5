// A cluster of many node processes on 127.0.0.1: they find each other from a few seeds and
// gossip, agree on one master and run a batch of tasks spread over all of them. Shared by the
// scale benchmark (50 nodes) and the scale test in `npm test` (10 nodes).
import { availableParallelism } from 'node:os'
import { LocalCluster } from './local-cluster.js'
import type { NodeProcess } from './node-process.js'
import { clockTicksPerSecond, cpuTicks, rssMiB } from './proc-stats.js'
import type { ClusterStatus } from '../node/status.js'

export interface ScaleOptions {
  nodes: number
  tasks: number
  /** Each node is given this many seed peers; the rest it learns by gossip. */
  seeds?: number
  /** How long each task sleeps on its worker: long enough that tasks spread over the nodes. */
  taskMs?: number
  /** Tasks in flight from the submitting client. */
  concurrency?: number
  /** How long gossip traffic is sampled once the cluster has converged. */
  gossipSampleMs?: number
  convergeTimeoutMs?: number
  say?: (line: string) => void
}

/** How far a cluster got when it did not converge in time (a size the machine cannot carry). */
export interface NotConverged {
  nodes: number
  converged: false
  waitedMs: number
  /** Best seen while waiting: nodes answering their status endpoint within 1 s... */
  answering: number
  /** ...nodes seeing all others alive, and the most nodes naming one master. */
  seeingAll: number
  agreeingOnMaster: number
  /** Node processes that exited while waiting (a crash, not a machine too small: a failure). */
  exited: number
  /** All node processes' CPU while waiting, in cores (the machine has `cores`). */
  cpuCores: number
  cores: number
}

export interface ScaleReport {
  nodes: number
  converged: true
  /** From the first process started to every node seeing all others alive and one master. */
  convergeMs: number
  /** All node processes' CPU until convergence, in cores. */
  convergeCpuCores: number
  masters: number
  /** Nodes that saw every other node alive at the end. */
  nodesSeeingAll: number
  gossip: { publishedPerNodePerSec: number, receivedPerNodePerSec: number }
  rssMiB: { idleMedian: number, idleMax: number }
  tasks: { submitted: number, ok: number, failed: number, failures: Record<string, number>, ranOnNodes: number, elapsedMs: number, perSecond: number }
  /** The master's share of all node processes' CPU time while the tasks ran. */
  masterCpuShare: number
}

export async function runScale (o: ScaleOptions): Promise<ScaleReport | NotConverged> {
  const say = o.say ?? (() => {})
  const cluster = await LocalCluster.create({ nodes: o.nodes, seeds: o.seeds ?? 3, logLevel: 'warn', expect: 3 })
  const t0 = Date.now()
  cluster.start()
  try {
    say(`started ${o.nodes} node processes; waiting for convergence...`)
    const wait = await waitConverged(cluster, o.convergeTimeoutMs ?? 120_000, say)
    if (!wait.converged) return wait
    const converged = wait.statuses
    const convergeMs = Date.now() - t0
    say(`converged in ${convergeMs} ms`)

    const sampleMs = o.gossipSampleMs ?? 10_000
    const before = converged.map(s => s.network?.gossip)
    await new Promise(resolve => setTimeout(resolve, sampleMs))
    const after = (await cluster.statuses()).map(s => s?.network?.gossip)
    const rates = { published: [] as number[], received: [] as number[] }
    after.forEach((a, i) => {
      const b = before[i]
      if (a == null || b == null) return
      rates.published.push((a.published - b.published) * 1000 / sampleMs)
      rates.received.push((a.received - b.received) * 1000 / sampleMs)
    })
    const rss = cluster.nodes.map(n => rssMiB(n.pid!)).sort((a, b) => a - b)

    const masterId = converged[0]!.master!.id
    const masterNode = cluster.nodes[converged.findIndex(s => s.self.id === masterId)]!
    const client = cluster.nodes[converged.findIndex(s => s.self.id !== masterId)]!
    say(`submitting ${o.tasks} tasks through ${client.spec.name} (master is ${masterNode.spec.name})...`)
    const cpuBefore = cluster.nodes.map(n => cpuTicks(n.pid!))
    const tasks = await submitAll(client, o.tasks, o.taskMs ?? 20, o.concurrency ?? 256)
    const cpuAfter = cluster.nodes.map(n => cpuTicks(n.pid!))
    const used = cpuAfter.map((c, i) => c - cpuBefore[i]!)
    const total = used.reduce((a, b) => a + b, 0)

    const final = (await cluster.statuses()).filter((s): s is ClusterStatus => s != null)
    return {
      nodes: o.nodes,
      converged: true,
      convergeMs,
      convergeCpuCores: wait.cpuCores,
      masters: new Set(final.map(s => s.master?.id).filter(id => id != null)).size,
      nodesSeeingAll: final.filter(s => s.members.filter(m => m.state === 'alive').length === o.nodes).length,
      gossip: { publishedPerNodePerSec: round(median(rates.published), 1), receivedPerNodePerSec: round(median(rates.received), 1) },
      rssMiB: { idleMedian: round(median(rss), 1), idleMax: round(rss[rss.length - 1] ?? NaN, 1) },
      tasks,
      masterCpuShare: total > 0 ? round(used[cluster.nodes.indexOf(masterNode)]! / total, 3) : 0
    }
  } finally {
    await cluster.stop()
    cluster.cleanup()
  }
}

/**
 * Polls until every node answers, sees every other alive and names the same master; or, at the
 * deadline, says how far it got and how busy the machine was (a saturated machine cannot
 * converge, and that is the figure to report, not an exception).
 */
async function waitConverged (cluster: LocalCluster, timeoutMs: number, say: (line: string) => void): Promise<{ converged: true, statuses: ClusterStatus[], cpuCores: number } | NotConverged> {
  const n = cluster.nodes.length
  const started = Date.now()
  const cpu = (): number => cluster.nodes.reduce((sum, p) => sum + cpuTicks(p.pid!), 0)
  const cpuAtStart = cpu()
  const cores = (): number => round((cpu() - cpuAtStart) / clockTicksPerSecond() / ((Date.now() - started) / 1000), 2)
  const best = { answering: 0, seeingAll: 0, agreeingOnMaster: 0 }
  let lastSaid = started
  for (;;) {
    const st = (await cluster.statuses()).filter((s): s is ClusterStatus => s != null)
    const seeingAll = st.filter(s => s.members.filter(m => m.state === 'alive').length >= n).length
    const named = new Map<string, number>()
    for (const s of st) if (s.master != null) named.set(s.master.id, (named.get(s.master.id) ?? 0) + 1)
    const agreeing = Math.max(0, ...named.values())
    if (st.length === n && seeingAll === n && agreeing === n) return { converged: true, statuses: st, cpuCores: cores() }
    best.answering = Math.max(best.answering, st.length)
    best.seeingAll = Math.max(best.seeingAll, seeingAll)
    best.agreeingOnMaster = Math.max(best.agreeingOnMaster, agreeing)
    const now = Date.now()
    const exited = cluster.nodes.filter(p => !p.alive).length
    if (now - started > timeoutMs || exited > 0) {
      say(`did not converge${exited > 0 ? `: ${exited} node process(es) exited` : ` in ${timeoutMs} ms`}; best seen: ${best.answering} answering, ${best.seeingAll} seeing all, ${best.agreeingOnMaster} naming one master`)
      return { nodes: n, converged: false, waitedMs: now - started, ...best, exited, cpuCores: cores(), cores: availableParallelism() }
    }
    if (now - lastSaid >= 10_000) {
      say(`${Math.round((now - started) / 1000)} s: ${st.length} answering, ${seeingAll} seeing all, ${agreeing} naming one master; CPU ${cores()} cores`)
      lastSaid = now
    }
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

async function submitAll (client: NodeProcess, n: number, taskMs: number, concurrency: number): Promise<ScaleReport['tasks']> {
  const ranOn = new Set<string>()
  const failures: Record<string, number> = {}
  let next = 0
  let ok = 0
  const t0 = Date.now()
  const loop = async (): Promise<void> => {
    while (next < n) {
      next++
      const r = await client.submit<{ ok: boolean, node: string | null, error?: { code: string } }>({ type: 'sleep', payload: { ms: taskMs } })
        .catch((err: unknown) => ({ ok: false, node: null, error: { code: `request: ${err instanceof Error ? err.message : String(err)}` } }))
      if (r.ok) ok++
      else failures[r.error?.code ?? 'unknown'] = (failures[r.error?.code ?? 'unknown'] ?? 0) + 1
      if (r.node != null) ranOn.add(r.node)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, loop))
  const elapsedMs = Date.now() - t0
  return { submitted: n, ok, failed: n - ok, failures, ranOnNodes: ranOn.size, elapsedMs, perSecond: Math.round(n * 1000 / elapsedMs) }
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!
}

function round (x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
