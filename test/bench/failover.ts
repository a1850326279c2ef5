// npm run bench:failover — repeated master faults on 3 and 5 node processes on loopback.
// For each fault: time from the kill (or SIGTERM) to the moment a survivor logs that it
// holds the lease ('election: elected', timestamp from its own log on the same machine), and
// to the first order of the new epoch that a worker accepted (from the nodes' histories),
// under a light steady load of echo tasks. Also counts moments with two masters seen in
// /status polls (must be zero).
import '../../src/polyfill.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readHistory } from '../../src/harness/history.js'
import { availableParallelism } from 'node:os'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import type { NodeProcess } from '../../src/harness/node-process.js'
import { waitFor } from '../../src/harness/node-process.js'
import { summarize, formatSummary } from './stats.js'

const KILLS = Number(process.env.BENCH_FAULTS ?? 30)

function electedAfter (node: NodeProcess, since: number): number | undefined {
  let text: string
  try { text = readFileSync(node.logFile, 'utf8') } catch { return undefined }
  for (const line of text.split('\n')) {
    if (!line.includes('"election: elected"')) continue
    const t = (JSON.parse(line) as { time: number }).time
    if (t >= since) return t
  }
  return undefined
}

/** A trickle of echo tasks through one node, so that a new master has orders to give at once. */
function steadyLoad (node: NodeProcess): () => void {
  let stop = false
  const loop = async (): Promise<void> => {
    while (!stop) {
      await node.submit({ type: 'echo', payload: 1 }, 20_000).catch(() => {})
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  }
  const loops = [loop(), loop()]
  return () => { stop = true; void Promise.all(loops) }
}

async function run (nodes: number, mode: 'kill' | 'graceful'): Promise<{ ms: number[], orderMs: number[], twoMasters: number }> {
  const cluster = await LocalCluster.create({ nodes, logLevel: 'info', expect: nodes, eventLogs: true })
  const histories = cluster.nodes.map(n => join(n.spec.dir, 'events.jsonl'))
  const ms: number[] = []
  const orderMs: number[] = []
  let twoMasters = 0
  try {
    cluster.start()
    for (let k = 0; k < KILLS; k++) {
      const statuses = await cluster.waitConverged(30_000)
      const masterId = statuses[0]!.master!.id
      const victim = cluster.nodes[statuses.findIndex(s => s.self.id === masterId)]!
      const survivors = cluster.nodes.filter(n => n !== victim)
      const stopLoad = steadyLoad(survivors[0]!)
      await new Promise(resolve => setTimeout(resolve, 200))
      const t0 = Date.now()
      if (mode === 'kill') victim.signal('SIGKILL')
      else victim.signal('SIGTERM')
      const elected = await waitFor('a survivor to be elected', async () => {
        // Split-brain watch: at most one node may call itself master at any poll.
        const st = await Promise.all(survivors.map(async n => await n.status(300)))
        if (st.filter(s => s?.self.role === 'master').length > 1) twoMasters++
        const times = survivors.map(n => electedAfter(n, t0)).filter((t): t is number => t != null)
        return times.length > 0 ? Math.min(...times) : undefined
      }, 20_000, 10)
      ms.push(elected - t0)
      const firstOrder = await waitFor('a worker to accept an order of the new epoch', () => {
        const h = readHistory(histories)
        const epoch = h.find(e => e.type === 'elected' && e.t >= t0)
        if (epoch?.type !== 'elected') return undefined
        return h.find(e => e.type === 'order-accepted' && e.epoch >= epoch.epoch && e.t >= t0)?.t
      }, 20_000, 20)
      orderMs.push(firstOrder - t0)
      stopLoad()
      await victim.waitExit()
      victim.start()
    }
  } finally {
    await cluster.stop()
    cluster.cleanup()
  }
  return { ms, orderMs, twoMasters }
}

process.stderr.write(`machine: ${availableParallelism()} cores, Node ${process.version}; ${KILLS} faults per row; defaults (lease 1000 ms, renew 200 ms)\n`)
const report: Record<string, unknown> = {}
for (const nodes of [3, 5]) {
  for (const mode of ['kill', 'graceful'] as const) {
    const r = await run(nodes, mode)
    const s = summarize(r.ms)
    const o = summarize(r.orderMs)
    report[`${nodes} nodes ${mode}`] = { newMasterMs: s, firstAcceptedOrderMs: o, twoMasterMoments: r.twoMasters }
    process.stderr.write(`${nodes} nodes, ${mode === 'kill' ? 'SIGKILL' : 'SIGTERM'}:\n` +
      `  fault -> new master holds lease:     ${formatSummary(s, 'ms')}\n` +
      `  fault -> first accepted order:       ${formatSummary(o, 'ms')}\n` +
      `  moments with two masters (polled):   ${r.twoMasters}\n`)
  }
}
process.stdout.write(JSON.stringify(report) + '\n')
