// npm run bench:memory — resident memory of node processes: idle in a 3-node cluster, then with
// 10,000 tasks queued on the master (1 slot per node, long sleep tasks, so almost all wait).
// Three runs; median and spread. 127.0.0.1 only, mDNS off.
import { availableParallelism } from 'node:os'
import { rssMiB } from '../../src/harness/proc-stats.js'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { waitFor } from '../../src/harness/node-process.js'
import { summarize, formatSummary } from './stats.js'

const RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 3)
const QUEUED = Number(process.env.BENCH_MEMORY_QUEUED ?? 10_000)
const IDLE_SETTLE_MS = 10_000

async function oneRun (): Promise<{ idle: number[], loadedMaster: number, loadedOthers: number[] }> {
  const cluster = await LocalCluster.create({ nodes: 3, logLevel: 'warn', args: ['--slots', '1'] })
  cluster.start()
  try {
    const st = await cluster.waitConverged(60_000)
    await new Promise(resolve => setTimeout(resolve, IDLE_SETTLE_MS))
    const idle = cluster.nodes.map(n => rssMiB(n.pid!))
    const masterIndex = st.findIndex(s => s.self.id === s.master!.id)
    const client = cluster.nodes[(masterIndex + 1) % 3]!
    // Submit without waiting (202 at once): every task beyond the 3 slots waits in the master's queue.
    for (let i = 0; i < QUEUED; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, QUEUED - i) }, async (_, j) => {
        const res = await fetch(`http://${client.spec.http!}/tasks?wait=false`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'sleep', payload: { ms: 600_000 }, options: { id: `q-${i + j}`, timeoutMs: 900_000 } })
        })
        if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`)
      }))
    }
    const master = cluster.nodes[masterIndex]!
    await waitFor(`${QUEUED - 3} tasks queued at the master`, async () => {
      const res = await fetch(`http://${master.spec.http!}/tasks?limit=1`)
      const body = await res.json() as { table: { queueLength: number } | null }
      return (body.table?.queueLength ?? 0) >= QUEUED - 3 ? true : undefined
    }, 120_000, 250)
    await new Promise(resolve => setTimeout(resolve, 3000)) // let the heap settle after the burst
    return {
      idle,
      loadedMaster: rssMiB(master.pid!),
      loadedOthers: cluster.nodes.filter((_, i) => i !== masterIndex).map(n => rssMiB(n.pid!))
    }
  } finally {
    await cluster.stop()
    cluster.cleanup()
  }
}

process.stderr.write(`machine: ${availableParallelism()} cores, Node ${process.version}; ${RUNS} runs of 3 nodes\n`)
const idle: number[] = []
const loadedMaster: number[] = []
const loadedOthers: number[] = []
for (let r = 0; r < RUNS; r++) {
  const res = await oneRun()
  idle.push(...res.idle)
  loadedMaster.push(res.loadedMaster)
  loadedOthers.push(...res.loadedOthers)
  process.stderr.write(`run ${r + 1}: idle ${res.idle.map(x => x.toFixed(1)).join(', ')} MiB; with ${QUEUED} queued: master ${res.loadedMaster.toFixed(1)} MiB, others ${res.loadedOthers.map(x => x.toFixed(1)).join(', ')} MiB\n`)
}
const report = { queued: QUEUED, idleRssMiB: summarize(idle), queuedMasterRssMiB: summarize(loadedMaster), queuedOtherRssMiB: summarize(loadedOthers) }
process.stderr.write(`idle RSS per node:                      ${formatSummary(report.idleRssMiB, 'MiB')}\n` +
  `master RSS with ${QUEUED} tasks queued:    ${formatSummary(report.queuedMasterRssMiB, 'MiB')}\n` +
  `other nodes' RSS meanwhile:             ${formatSummary(report.queuedOtherRssMiB, 'MiB')}\n`)
process.stdout.write(JSON.stringify(report) + '\n')
