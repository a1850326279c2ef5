// npm run bench:scale — many node processes on one machine (127.0.0.1, mDNS off, 3 seed peers
// each, the rest learned by gossip): time to converge, gossip traffic per node, idle memory,
// and 10,000 tasks spread over all nodes with the master's share of the CPU.
// BENCH_SCALE_NODES (default "10,20,50") and BENCH_SCALE_TASKS (default 10000) change the run.
// A size the machine cannot carry (no convergence within 120 s) is a reported result, with how far
// it got and how busy the machine was; a converged size with a task failure or two masters fails.
import { availableParallelism } from 'node:os'
import { runScale, type NotConverged, type ScaleReport } from '../../src/harness/scale-run.js'

const sizes = (process.env.BENCH_SCALE_NODES ?? '10,20,50').split(',').map(Number)
const tasks = Number(process.env.BENCH_SCALE_TASKS ?? 10_000)

const reports: Array<ScaleReport | NotConverged> = []
for (const nodes of sizes) {
  process.stderr.write(`\n== ${nodes} nodes ==\n`)
  reports.push(await runScale({ nodes, tasks, say: (l) => process.stderr.write(`  ${l}\n`) }))
}

const cell = (s: string | number, w: number): string => String(s).padStart(w)
console.log(`\nscale (${availableParallelism()} cores, Node ${process.version}); ${tasks} sleep(20 ms) tasks from one non-master node, 256 in flight`)
console.log(['nodes', 'converge ms', 'CPU (cores)', 'masters', 'see all', 'gossip out/s', 'gossip in/s', 'idle RSS MiB', 'tasks ok', 'ran on', 'tasks/s', 'master CPU'].map((h, i) => cell(h, i === 0 ? 5 : 13)).join(' '))
for (const r of reports) {
  if (!r.converged) {
    console.log(`${cell(r.nodes, 5)} did not converge in ${Math.round(r.waitedMs / 1000)} s: at best ${r.answering} answering, ${r.seeingAll} seeing all, ${r.agreeingOnMaster} naming one master; node processes used ${r.cpuCores} of ${r.cores} cores`)
    continue
  }
  console.log([cell(r.nodes, 5), cell(r.convergeMs, 13), cell(r.convergeCpuCores, 13), cell(r.masters, 13), cell(r.nodesSeeingAll, 13), cell(r.gossip.publishedPerNodePerSec, 13),
    cell(r.gossip.receivedPerNodePerSec, 13), cell(`${r.rssMiB.idleMedian} (max ${r.rssMiB.idleMax})`, 13), cell(`${r.tasks.ok}/${r.tasks.submitted}`, 13),
    cell(`${r.tasks.ranOnNodes} nodes`, 13), cell(r.tasks.perSecond, 13), cell(`${(r.masterCpuShare * 100).toFixed(1)}%`, 13)].join(' '))
}
const done = reports.filter((r): r is ScaleReport => r.converged)
if (done.length >= 2) {
  const [a, b] = [done[0]!, done[done.length - 1]!]
  const growth = b.gossip.receivedPerNodePerSec / a.gossip.receivedPerNodePerSec
  console.log(`gossip received per node grows ${growth.toFixed(2)}x for ${(b.nodes / a.nodes).toFixed(1)}x the nodes (linear would be ${((b.nodes - 1) / (a.nodes - 1)).toFixed(2)}x, square ${((b.nodes / a.nodes) ** 2).toFixed(1)}x)`)
}
process.stdout.write(JSON.stringify({ bench: 'scale', cores: availableParallelism(), node: process.version, reports }) + '\n')
const bad = done.some(r => r.masters !== 1 || r.tasks.failed > 0 || r.nodesSeeingAll !== r.nodes)
process.exit(bad ? 1 : 0)
