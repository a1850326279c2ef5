// The headline figures of `npm run bench`, one line each, read from the benchmarks' JSON
// reports. A figure a benchmark did not produce shows as "n/a" with the reason, never as a guess.

export interface BenchResults {
  machine: { cores: number, cpu: string, node: string, loadAvg1AtStart: number }
  startedAt: string
  benches: Record<string, { exitCode: number | null, seconds: number, report: unknown }>
}

interface Summary { n: number, min?: number, median: number, p99: number, max: number }

/** Reads a nested field; undefined when any step is missing. */
function at (value: unknown, ...path: string[]): unknown {
  let v = value
  for (const key of path) {
    if (v == null || typeof v !== 'object') return undefined
    v = (v as Record<string, unknown>)[key]
  }
  return v
}

function isSummary (v: unknown): v is Summary {
  return v != null && typeof v === 'object' && typeof (v as Summary).median === 'number'
}

const num = (x: number): string => Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2)

function spread (v: unknown, unit: string): string {
  if (!isSummary(v)) return 'n/a'
  const range = typeof v.min === 'number' ? `range ${num(v.min)}-${num(v.max)}` : `max ${num(v.max)}`
  return `${num(v.median)} ${unit} (p99 ${num(v.p99)}, ${range}, n=${v.n})`
}

export function headlines (r: BenchResults): string[] {
  const b = (name: string): unknown => r.benches[name]?.report
  const lines: string[] = []
  const row = (label: string, value: string): void => { lines.push(`${label.padEnd(44)} ${value}`) }
  for (const [name, run] of Object.entries(r.benches)) {
    if (run.exitCode !== 0) row(`bench:${name}`, `FAILED (exit ${String(run.exitCode)}) after ${run.seconds} s: see its output above`)
  }

  const placement = at(b('placement'), 'results', 'empty cluster, least-loaded, fill every slot', 'usPerDecision')
  if (typeof placement === 'number') row('placement, 50 workers x 10,000 queued', `${placement.toFixed(2)} µs/decision`)

  const tasks = b('tasks')
  if (tasks != null) {
    row('tasks/s (3 nodes, from a non-master)', spread(at(tasks, 'throughput', 'perSecond', 'task'), 'tasks/s'))
    row('bare libp2p stream, same run', spread(at(tasks, 'throughput', 'perSecond', 'bare'), 'req/s'))
    const ratio = at(tasks, 'throughput', 'ratio')
    if (typeof ratio === 'number') row('tasks / bare stream', `${ratio.toFixed(2)}x`)
    row('task latency, sequential', spread(at(tasks, 'latency', 'ms', 'task'), 'ms'))
  }

  for (const nodes of [3, 5]) {
    for (const mode of ['kill', 'graceful']) {
      const f = at(b('failover'), `${nodes} nodes ${mode}`)
      if (f == null) continue
      row(`failover, ${nodes} nodes, ${mode === 'kill' ? 'SIGKILL' : 'graceful'}: new lease`, spread(at(f, 'newMasterMs'), 'ms'))
      row(`  first accepted order`, spread(at(f, 'firstAcceptedOrderMs'), 'ms'))
    }
  }

  for (const nodes of [3, 10]) {
    const d = at(b('discovery'), `${nodes} nodes`)
    if (d == null) continue
    row(`discovery (mDNS), ${nodes} nodes at once`, spread(at(d, 'allSeenMs'), 'ms'))
    row(`  a node rejoining`, spread(at(d, 'joinRunningClusterMs'), 'ms'))
  }

  const memory = b('memory')
  if (memory != null) {
    row('idle RSS per node (3 nodes)', spread(at(memory, 'idleRssMiB'), 'MiB'))
    row(`master RSS, ${String(at(memory, 'queued'))} tasks queued`, spread(at(memory, 'queuedMasterRssMiB'), 'MiB'))
  }

  const cache = b('cache')
  if (cache != null) {
    row('sha256 tasks, 90% repeats, without cache', spread(at(cache, 'throughput', 'withoutCache'), 'tasks/s'))
    row('  with cache', spread(at(cache, 'throughput', 'withCache'), 'tasks/s'))
    const ratio = at(cache, 'throughput', 'ratio')
    if (typeof ratio === 'number') row('  speed-up', `${ratio.toFixed(2)}x`)
  }

  const scale = at(b('scale'), 'sizes')
  if (Array.isArray(scale)) {
    for (const s of scale as Array<Record<string, any>>) {
      const m = s.summary
      if (m != null) {
        row(`scale, ${String(s.nodes)} nodes: converged (${String(s.runs?.length)} runs)`, spread(m.convergeMs, 'ms'))
        row('  gossip per node', `${spread(m.gossipOutPerNodePerSec, '/s')} out, ${spread(m.gossipInPerNodePerSec, '/s')} in`)
        const runs = (s.runs ?? []) as Array<{ tasks?: { ok?: number, submitted?: number } }>
        const ok = runs.reduce((a, r) => a + (r.tasks?.ok ?? 0), 0)
        const submitted = runs.reduce((a, r) => a + (r.tasks?.submitted ?? 0), 0)
        row('  tasks', `${ok}/${submitted} ok; master CPU share while they ran ${spread(m.masterCpuShare, '%')}`)
      }
      const n = s.notConverged
      if (n != null) row(`scale, ${String(s.nodes)} nodes: not converged`, `in ${Math.round(Number(n.waitedMs) / 1000)} s; best ${String(n.seeingAll)} see all, ${String(n.agreeingOnMaster)} name one master; ${String(n.cpuCores)} of ${String(n.cores)} cores busy`)
    }
  }

  const chaos = b('chaos')
  if (chaos != null) {
    row(`chaos, 5 nodes, ${String(at(chaos, 'faults'))} master faults: new lease`, spread(at(chaos, 'newMasterMs'), 'ms'))
    row('  first task done under the new master', spread(at(chaos, 'firstTaskMs'), 'ms'))
    row('  anomalies', JSON.stringify(at(chaos, 'anomalies') ?? 'n/a'))
  }
  return lines
}
