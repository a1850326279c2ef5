// npm run bench:scale — many node processes on one machine (127.0.0.1, mDNS off, 3 seed peers
// each, the rest learned by gossip): time to converge, gossip traffic per node, idle memory,
// and 10,000 tasks spread over all nodes with the master's share of the CPU.
// BENCH_SCALE_NODES (default "10,20,50"), BENCH_SCALE_RUNS (default 3) and BENCH_SCALE_TASKS
// (default 10000) change the run. Each figure is the median of the runs with their range.
// A size the machine cannot carry (no convergence within 120 s) is a reported result, with how
// far it got and how busy the machine was, and is not tried again. The benchmark fails when a
// converged run had a task failure or two masters, when a node process exited, or when a size
// of 20 nodes or fewer did not converge (those fit on 2 cores: see docs/performance.md).
import { availableParallelism } from 'node:os'
import { runScale, type NotConverged, type ScaleReport } from '../../src/harness/scale-run.js'
import { formatSpread, summarize, type Summary } from './stats.js'

const sizes = (process.env.BENCH_SCALE_NODES ?? '10,20,50').split(',').map(Number)
const runs = Number(process.env.BENCH_SCALE_RUNS ?? 3)
const tasks = Number(process.env.BENCH_SCALE_TASKS ?? 10_000)

interface SizeResult {
  nodes: number
  runs: ScaleReport[]
  notConverged: NotConverged | null
  summary: Record<'convergeMs' | 'convergeCpuCores' | 'gossipOutPerNodePerSec' | 'gossipInPerNodePerSec' | 'idleRssMiB' | 'tasksPerSecond' | 'masterCpuShare', Summary> | null
}

const results: SizeResult[] = []
for (const nodes of sizes) {
  const size: SizeResult = { nodes, runs: [], notConverged: null, summary: null }
  results.push(size)
  for (let i = 1; i <= runs; i++) {
    process.stderr.write(`\n== ${nodes} nodes, run ${i}/${runs} ==\n`)
    const r = await runScale({ nodes, tasks, say: (l) => process.stderr.write(`  ${l}\n`) })
    if (!r.converged) { size.notConverged = r; break }
    size.runs.push(r)
  }
  const of = (f: (r: ScaleReport) => number): Summary => summarize(size.runs.map(f))
  if (size.runs.length > 0) {
    size.summary = {
      convergeMs: of(r => r.convergeMs),
      convergeCpuCores: of(r => r.convergeCpuCores),
      gossipOutPerNodePerSec: of(r => r.gossip.publishedPerNodePerSec),
      gossipInPerNodePerSec: of(r => r.gossip.receivedPerNodePerSec),
      idleRssMiB: of(r => r.rssMiB.idleMedian),
      tasksPerSecond: of(r => r.tasks.perSecond),
      masterCpuShare: of(r => r.masterCpuShare * 100)
    }
  }
}

console.log(`\nscale (${availableParallelism()} cores, Node ${process.version}); ${tasks} sleep(20 ms) tasks per run from one non-master node, 256 in flight; median (min-max) of the runs`)
for (const s of results) {
  if (s.summary != null) {
    const m = s.summary
    const ok = s.runs.reduce((a, r) => a + r.tasks.ok, 0)
    console.log(`${s.nodes} nodes, ${s.runs.length} run(s): converged in ${formatSpread(m.convergeMs, 'ms')} using ${formatSpread(m.convergeCpuCores, 'cores')}; ` +
      `gossip per node out ${formatSpread(m.gossipOutPerNodePerSec, '/s')}, in ${formatSpread(m.gossipInPerNodePerSec, '/s')}; idle RSS ${formatSpread(m.idleRssMiB, 'MiB')}; ` +
      `tasks ${ok}/${s.runs.length * tasks} ok, ${formatSpread(m.tasksPerSecond, '/s')}, ran on ${Math.min(...s.runs.map(r => r.tasks.ranOnNodes))}+ nodes; master CPU share ${formatSpread(m.masterCpuShare, '%')}`)
  }
  const n = s.notConverged
  if (n != null) {
    console.log(`${s.nodes} nodes: a run did not converge${n.exited > 0 ? ` (${n.exited} node process(es) exited)` : ''} in ${Math.round(n.waitedMs / 1000)} s: at best ${n.answering} answering, ${n.seeingAll} seeing all, ${n.agreeingOnMaster} naming one master; node processes used ${n.cpuCores} of ${n.cores} cores`)
  }
}
const measured = results.filter(s => s.summary != null)
if (measured.length >= 2) {
  const [a, b] = [measured[0]!, measured[measured.length - 1]!]
  const growth = b.summary!.gossipInPerNodePerSec.median / a.summary!.gossipInPerNodePerSec.median
  console.log(`gossip received per node grows ${growth.toFixed(2)}x for ${(b.nodes / a.nodes).toFixed(1)}x the nodes (linear would be ${((b.nodes - 1) / (a.nodes - 1)).toFixed(2)}x, square ${((b.nodes / a.nodes) ** 2).toFixed(1)}x)`)
}
process.stdout.write(JSON.stringify({ bench: 'scale', cores: availableParallelism(), node: process.version, sizes: results }) + '\n')
const bad = results.some(s => s.runs.some(r => r.masters !== 1 || r.tasks.failed > 0 || r.nodesSeeingAll !== r.nodes) ||
  (s.notConverged != null && (s.notConverged.exited > 0 || s.nodes <= 20)))
process.exit(bad ? 1 : 0)
