// The run's report: everything as JSON (--report), and a summary for people.
import type { CheckResult } from './checker.js'
import type { Distribution } from './stats.js'
import type { FaultKind } from './events.js'
import type { PlannedFault } from './schedule.js'
import type { ChaosOptions } from './run.js'
import { chaosArgs } from './options.js'

/** A fault as it was done: when (ms after the load started, as the plan's times), to whom, and whether that was the master. */
export interface FaultRecord { atMs: number, kind: FaultKind, target: string, wasMaster: boolean, epoch: number | null, detail?: string }

export interface ChaosReport {
  seed: number
  network: 'lan' | 'loopback'
  nodes: Array<{ name: string, id: string | null }>
  durationMs: number
  elapsedMs: number
  rate: number
  interrupted: boolean
  /** The `mcp-cluster chaos` arguments that replay this run's faults. */
  replay: string[]
  faults: {
    requested: FaultKind[]
    /** Kinds this machine cannot do, and why. */
    skipped: Array<{ kind: FaultKind, reason: string }>
    planned: PlannedFault[]
    injected: FaultRecord[]
    /** Planned faults not done (no master to hit), and why. */
    missed: Array<{ at: number, kind: FaultKind, reason: string }>
    counts: Record<string, number>
  }
  load: { submitted: number, skipped: number }
  check: CheckResult
  /** No split brain and no lost task (the exit code follows it). */
  ok: boolean
  /** The run's logs and histories, when kept (after an anomaly, or on request). */
  dir: string | null
}

export interface ReportInput {
  options: ChaosOptions
  plan: PlannedFault[]
  skipped: ChaosReport['faults']['skipped']
  injected: FaultRecord[]
  missed: ChaosReport['faults']['missed']
  counts: Record<string, number>
  check: CheckResult
  nodes: ChaosReport['nodes']
  load: ChaosReport['load']
  elapsedMs: number
  interrupted: boolean
  dir: string | null
}

export function buildReport (r: ReportInput): ChaosReport {
  const o = r.options
  return {
    seed: o.seed,
    network: o.network.kind,
    nodes: r.nodes,
    durationMs: o.durationMs,
    elapsedMs: r.elapsedMs,
    rate: o.rate,
    interrupted: r.interrupted,
    replay: [...chaosArgs(o), ...(o.network.kind === 'loopback' ? ['--loopback'] : [])],
    faults: { requested: [...o.faults], skipped: r.skipped, planned: r.plan, injected: r.injected, missed: r.missed, counts: r.counts },
    load: r.load,
    check: r.check,
    ok: r.check.ok,
    dir: r.dir
  }
}

const LIST_AT_MOST = 10

export function formatReport (r: ChaosReport): string {
  const name = (id: string): string => r.nodes.find(n => n.id === id)?.name ?? id
  const c = r.check
  const t = c.tasks
  const lines: string[] = []
  lines.push(`chaos run: seed ${r.seed}, ${r.nodes.length} nodes ${r.network === 'lan' ? 'on a namespace LAN' : 'on 127.0.0.1'}, ` +
    `${secs(r.durationMs)} of load at ${r.rate} tasks/s (${secs(r.elapsedMs)} in all)${r.interrupted ? ', INTERRUPTED' : ''}`)
  const master = r.faults.injected.filter(f => f.wasMaster)
  lines.push(`faults: ${r.faults.injected.length} injected (${countList(r.faults.counts)}); ${master.length} hit the master (${countList(countBy(master.map(f => f.kind)))}); ` +
    `${c.elections} terms won in all`)
  for (const s of r.faults.skipped) lines.push(`  ${s.kind}: not available here: ${s.reason}`)
  for (const m of r.faults.missed) lines.push(`  planned ${m.kind} at ${secs(m.at)} not done: ${m.reason}`)
  lines.push(`tasks: ${t.submitted} submitted, ${t.done} done, ${sum(t.failed)} failed${listIn(t.failed)}, ${sum(t.rejected)} refused${listIn(t.rejected)}, ` +
    `${t.orphaned} orphaned${t.orphaned > 0 ? ` (the node they came through was killed; ${t.orphanedRan} of them ran anyway)` : ''}, ${t.abandoned > 0 ? `${t.abandoned} abandoned (interrupted), ` : ''}${t.lost.length} lost` +
    (r.load.skipped > 0 ? `; ${r.load.skipped} not sent (no node could take them)` : ''))
  const dups = c.duplicates
  lines.push(`duplicate runs: ${dups.total}${dups.total > 0 ? ` (${dups.total - dups.unexplained.length} explained: ${countList(dups.explained)}; ${dups.unexplained.length} unexplained)` : ''}`)
  const f = c.failover
  lines.push(`failover, over ${f.newMasterMs.n} master faults${f.faults.some(x => x.excluded != null) ? ` (${f.faults.filter(x => x.excluded != null).length} left out: the target had already lost the lease)` : ''}:`)
  lines.push(`  fault -> new master holds a lease:     ${dist(f.newMasterMs)}${f.noNewMaster > 0 ? `; none before the next fault: ${f.noNewMaster}` : ''}`)
  lines.push(`  fault -> first task done under it:     ${dist(f.firstTaskMs)}${f.noTask > 0 ? `; none before the next fault: ${f.noTask}` : ''}`)
  lines.push(`split brain: ${c.splitBrain.length === 0 && c.staleOrders.length === 0 ? 'none' : `${c.splitBrain.length} overlapping leases, ${c.staleOrders.length} stale orders accepted`}` +
    (c.closestHandoverMs != null ? ` (closest handover: the next lease began ${c.closestHandoverMs} ms after the previous one ended)` : ''))
  for (const s of c.splitBrain.slice(0, LIST_AT_MOST)) {
    lines.push(`  ${s.kind === 'same-epoch' ? 'same term won twice' : `leases overlap by ${s.overlapMs} ms`}: ${name(s.a.node)} epoch ${s.a.epoch} [${s.a.start}..${s.a.end}] and ${name(s.b.node)} epoch ${s.b.epoch} [${s.b.start}..${s.b.end}]`)
  }
  for (const s of c.staleOrders.slice(0, LIST_AT_MOST)) lines.push(`  ${name(s.node)} accepted an order of epoch ${s.epoch} from ${name(s.from)} after seeing epoch ${s.seenEpoch} (t=${s.t})`)
  for (const l of t.lost.slice(0, LIST_AT_MOST)) lines.push(`  lost: task ${l.id} through ${name(l.via)}: ${l.reason}${l.ranOk ? ' (a worker finished it; the result never came back)' : ''}`)
  for (const d of dups.unexplained.slice(0, LIST_AT_MOST)) {
    lines.push(`  unexplained duplicate: task ${d.id} ran on ${name(d.run.node)} (attempt ${d.run.attempt}, epoch ${d.run.epoch}) while ${d.earlier.map(e => `${name(e.node)} (attempt ${e.attempt}, epoch ${e.epoch})`).join(', ')} still had it`)
  }
  lines.push(`result: ${r.ok ? 'OK: no split brain, no lost task' : 'ANOMALIES: see above'}${r.dir != null ? `; logs kept in ${r.dir}` : ''}`)
  lines.push(`replay these faults: mcp-cluster chaos ${r.replay.join(' ')}`)
  return lines.join('\n')
}

function secs (ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

function dist (d: Distribution): string {
  if (d.n === 0) return 'no measurement'
  return `median ${d.median} ms, p99 ${d.p99} ms, max ${d.max} ms (n=${d.n})`
}

function countBy (items: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const i of items) out[i] = (out[i] ?? 0) + 1
  return out
}

function countList (r: Record<string, number | undefined>): string {
  const parts = Object.entries(r).filter(([, n]) => n != null && n > 0).map(([k, n]) => `${k} ${n}`)
  return parts.length === 0 ? 'none' : parts.join(', ')
}

function sum (r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0)
}

function listIn (r: Record<string, number>): string {
  return sum(r) === 0 ? '' : ` (${countList(r)})`
}
