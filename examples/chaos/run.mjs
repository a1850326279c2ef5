// A scripted chaos run through the harness's library API: three node processes on 127.0.0.1
// (no root, mDNS off), a workload of our own, the master killed and paused on a seeded
// schedule, and the report checked by this script.
// Run (after `npm run build`): node examples/chaos/run.mjs [--duration 20s] [--seed 42]
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatReport, parseDuration, ProgressPrinter, runChaos } from 'mcp-cluster/chaos'

const flag = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i > 0 && process.argv[i + 1] != null ? process.argv[i + 1] : fallback
}
const duration = parseDuration(flag('--duration', '20s'))
if (!duration.ok) throw new Error(duration.reason)
const seed = Number(flag('--seed', '42'))

// The workload: "thumbnails" (CPU work that may fail once and is retried), "uploads" (waiting
// on I/O) and health checks (instant). Randomness comes from `rng`, so the seed replays it.
function workload (n, rng) {
  const r = rng.next()
  if (r < 0.4) return { type: 'sha256', payload: { data: `thumbnail-${n}`, rounds: 200 + Math.floor(rng.next() * 800) }, options: { retries: 1, timeoutMs: 10_000 } }
  if (r < 0.8) return { type: 'sleep', payload: { ms: 30 + Math.floor(rng.next() * 150) }, options: { priority: 5 } }
  return { type: 'echo', payload: { check: n } }
}

// Ctrl-C stops the run early; it still undoes its faults and stops its nodes.
const stop = new AbortController()
process.once('SIGINT', () => { stop.abort() })

const progress = new ProgressPrinter(process.stderr)
const report = await runChaos({
  nodes: 3,
  durationMs: duration.value,
  faults: ['kill', 'pause', 'restart'], // what works without namespaces
  rate: 40,
  seed,
  network: { kind: 'loopback' },
  faultIntervalMs: 4000,
  workload,
  signal: stop.signal,
  onProgress: (p) => { progress.show(p) },
  log: (line) => { progress.log(line) }
})
progress.finish()

console.log(formatReport(report))
const file = join(tmpdir(), `chaos-example-${seed}.json`)
writeFileSync(file, JSON.stringify(report, null, 2))
console.log(`report written to ${file}`)

// Our own pass/fail rule on top of the checker's: no anomaly, and every master fault was
// followed by a new master.
const f = report.check.failover
const ok = report.ok && f.noNewMaster === 0 && f.newMasterMs.n > 0
console.log(ok ? 'example: passed' : 'example: FAILED')
process.exitCode = ok ? 0 : 1
