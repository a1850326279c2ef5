// npm run bench:failover — repeated master faults on 3 and 5 node processes on loopback.
// For each fault: time from the kill (or SIGTERM) to the moment a survivor logs that it
// holds the lease ('election: elected', timestamp from its own log on the same machine).
// Also counts moments with two masters seen in /status polls (must be zero).
import '../../src/polyfill.js'
import { readFileSync } from 'node:fs'
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

async function run (nodes: number, mode: 'kill' | 'graceful'): Promise<{ ms: number[], twoMasters: number }> {
  const cluster = await LocalCluster.create({ nodes, logLevel: 'info', expect: nodes })
  const ms: number[] = []
  let twoMasters = 0
  try {
    cluster.start()
    for (let k = 0; k < KILLS; k++) {
      const statuses = await cluster.waitConverged(30_000)
      const masterId = statuses[0]!.master!.id
      const victim = cluster.nodes[statuses.findIndex(s => s.self.id === masterId)]!
      const survivors = cluster.nodes.filter(n => n !== victim)
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
      await victim.waitExit()
      victim.start()
    }
  } finally {
    await cluster.stop()
    cluster.cleanup()
  }
  return { ms, twoMasters }
}

process.stderr.write(`machine: ${availableParallelism()} cores, Node ${process.version}; ${KILLS} faults per row; defaults (lease 1000 ms, renew 200 ms)\n`)
const report: Record<string, unknown> = {}
for (const nodes of [3, 5]) {
  for (const mode of ['kill', 'graceful'] as const) {
    const r = await run(nodes, mode)
    const s = summarize(r.ms)
    report[`${nodes} nodes ${mode}`] = { newMasterMs: s, twoMasterMoments: r.twoMasters }
    process.stderr.write(`${nodes} nodes, ${mode === 'kill' ? 'SIGKILL ' : 'SIGTERM '}: fault -> new master holds lease: ${formatSummary(s, 'ms')}; moments with two masters: ${r.twoMasters}\n`)
  }
}
process.stdout.write(JSON.stringify(report) + '\n')
