// npm run bench:chaos — the long chaos scenario: 5 nodes, at least 50 master faults (kills,
// pauses past the lease and partitions, killed nodes restarted) under a steady load, through
// `mcp-cluster chaos` itself. Prints the failover distribution per fault kind and the anomaly
// counts. On the namespace LAN when run as root, else on loopback (kills and pauses only).
// BENCH_FAULTS sets the number of master faults to measure (default 50; 20 % more are planned,
// since on a busy machine a few find no master to hit, or one that has just lost its lease),
// BENCH_RATE the load (default 100/s).
import '../../src/polyfill.js'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI_PATH } from '../../src/harness/node-process.js'
import { netnsUnavailable } from '../../src/harness/netns.js'
import type { ChaosReport } from '../../src/harness/chaos/report.js'
import { formatSummary, summarize } from './stats.js'

const FAULTS = Number(process.env.BENCH_FAULTS ?? 50)
const RATE = Number(process.env.BENCH_RATE ?? 100)
const INTERVAL_MS = 5000
const WARMUP_MS = 3000 // the schedule's quiet start
const PLANNED = Math.ceil(FAULTS * 1.2)
const noLan = netnsUnavailable()
const dir = mkdtempSync(join(tmpdir(), 'bench-chaos-'))
const reportFile = join(dir, 'report.json')
const args = [
  CLI_PATH, 'chaos', '--nodes', '5', '--rate', String(RATE), '--seed', process.env.BENCH_SEED ?? '1',
  '--duration', `${WARMUP_MS + (PLANNED + 1) * INTERVAL_MS}ms`, '--fault-interval', `${INTERVAL_MS}ms`,
  '--faults', noLan === undefined ? 'kill,pause,partition,restart,loss' : 'kill,pause,restart',
  '--report', reportFile, '--dir', dir, ...(noLan === undefined ? [] : ['--loopback'])
]
process.stderr.write(`machine: ${availableParallelism()} cores, Node ${process.version}; ${noLan === undefined ? 'namespace LAN' : `loopback (${noLan})`}; ` +
  `${PLANNED} master faults planned, ${RATE} tasks/s\n`)
const code = await new Promise<number | null>(resolve => {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] })
  child.once('exit', resolve)
})
const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ChaosReport
// After an anomaly the run keeps its logs inside `dir`: keep them for a look.
if (report.dir == null) rmSync(dir, { recursive: true, force: true })
else process.stderr.write(`logs kept in ${report.dir}\n`)

const c = report.check
const counted = c.failover.faults.filter(f => f.excluded == null)
process.stderr.write(`\n${counted.length} master faults measured (${c.failover.faults.length - counted.length} left out: target no longer master), ` +
  `${(report.elapsedMs / 1000).toFixed(0)} s in all\n`)
for (const kind of ['all', 'kill', 'pause', 'partition']) {
  const fs = counted.filter(f => kind === 'all' || f.kind === kind)
  if (fs.length === 0) continue
  const newMaster = summarize(fs.flatMap(f => f.newMaster == null ? [] : [f.newMaster.afterMs]))
  const firstTask = summarize(fs.flatMap(f => f.firstTaskMs == null ? [] : [f.firstTaskMs]))
  process.stderr.write(`${kind} (${fs.length}):\n` +
    `  fault -> new master holds a lease:   ${formatSummary(newMaster, 'ms')}\n` +
    `  fault -> first task done under it:   ${formatSummary(firstTask, 'ms')}\n`)
}
const t = c.tasks
process.stderr.write(`anomalies: split brain ${c.splitBrain.length}, stale orders accepted ${c.staleOrders.length}, lost tasks ${t.lost.length}, ` +
  `unexplained duplicates ${c.duplicates.unexplained.length}\n` +
  `tasks: ${t.submitted} submitted, ${t.done} done, failed ${JSON.stringify(t.failed)}, orphaned ${t.orphaned}; duplicate runs ${c.duplicates.total} (${JSON.stringify(c.duplicates.explained)}); ` +
  `no new master before the next fault: ${c.failover.noNewMaster}; closest lease handover ${c.closestHandoverMs} ms\n` +
  `skipped fault kinds: ${report.faults.skipped.map(s => `${s.kind} (${s.reason})`).join('; ') || 'none'}; missed faults: ${report.faults.missed.length}\n`)
process.stdout.write(JSON.stringify({
  faults: counted.length,
  newMasterMs: c.failover.newMasterMs,
  firstTaskMs: c.failover.firstTaskMs,
  anomalies: { splitBrain: c.splitBrain.length, staleOrders: c.staleOrders.length, lost: t.lost.length, unexplainedDuplicates: c.duplicates.unexplained.length }
}) + '\n')
if (counted.length < FAULTS) process.stderr.write(`fewer than the ${FAULTS} master faults asked for were measured: the machine is too busy\n`)
process.exitCode = code ?? 1
