// One chaos run: start the nodes, drive the load, inject the scheduled faults, drain, stop
// everything, and check the merged history. Whatever happens (an error, an abort from SIGINT),
// every fault is undone and every node process stopped before it returns or throws.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seededRng } from '../../core/random.js'
import { LocalCluster } from '../local-cluster.js'
import { NetnsLan } from '../lan.js'
import { checkHistory } from './checker.js'
import { FAULT_KINDS, type FaultEvent, type FaultKind } from './events.js'
import { CLIENT_LOG, FAULT_LOG, readRunHistory } from './run-files.js'
import { FaultInjector, faultUnavailable } from './faults.js'
import { JsonlLog } from './jsonl.js'
import { defaultWorkload, LoadClient, type Workload } from './load.js'
import { entryPicker } from './entries.js'
import { executePlan } from './plan-runner.js'
import { DEFAULT_FAULT_INTERVAL_MS } from './options.js'
import type { Progress } from './progress.js'
import { buildReport, type ChaosReport, type FaultRecord } from './report.js'
import { planSchedule } from './schedule.js'
import { sleep } from './sleep.js'
import { ClusterWatch } from './watch.js'

export interface ChaosOptions {
  nodes: number
  durationMs: number
  faults: readonly FaultKind[]
  /** Tasks per second. */
  rate: number
  seed: number
  /**
   * 'loopback': nodes on 127.0.0.1 with explicit peers, mDNS off (process faults only).
   * 'lan': the NetnsLan with this prefix, built by the caller; this process must run inside its
   * bridge namespace (as `mcp-cluster chaos` arranges), and the nodes discover each other by mDNS.
   */
  network: { kind: 'loopback' } | { kind: 'lan', prefix: string }
  /** Mean time between master faults (default 6 s). */
  faultIntervalMs?: number
  /** The nodes' --lease-ms (default: theirs, 1000). */
  leaseMs?: number
  workload?: Workload
  /** A directory for this run alone, for logs and data (default: a new temporary one); removed after a clean run. */
  dir?: string
  /** Keep the directory even when the run is clean (it is always kept after an anomaly or error). */
  keepDir?: boolean
  /** How long open requests may take to finish after the load stops (default 30 s). */
  drainMs?: number
  clockToleranceMs?: number
  /** Abort to stop the run early (the CLI does on SIGINT): it still cleans up and reports. */
  signal?: AbortSignal
  onProgress?: (p: Progress) => void
  /** Lines about the run as it goes (each fault, each phase). */
  log?: (line: string) => void
}

const DEFAULT_LEASE_MS = 1000

export async function runChaos (o: ChaosOptions): Promise<ChaosReport> {
  const startedAt = Date.now()
  const log = o.log ?? (() => {})
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'mcp-chaos-'))
  mkdirSync(dir, { recursive: true })
  const lan = o.network.kind === 'lan' ? NetnsLan.attach(o.network.prefix, o.nodes) : undefined
  const requested = FAULT_KINDS.filter(k => o.faults.includes(k))
  const skipped = requested.flatMap(kind => {
    const reason = faultUnavailable(kind, lan)
    return reason === undefined ? [] : [{ kind, reason }]
  })
  const kinds = requested.filter(k => !skipped.some(s => s.kind === k))
  for (const s of skipped) log(`fault "${s.kind}" skipped: ${s.reason}`)
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS
  const plan = planSchedule({ seed: o.seed, durationMs: o.durationMs, faults: kinds, nodes: o.nodes, leaseMs, intervalMs: o.faultIntervalMs ?? DEFAULT_FAULT_INTERVAL_MS })

  const cluster = await LocalCluster.create({
    nodes: o.nodes,
    dir,
    expect: o.nodes,
    eventLogs: true,
    logLevel: 'info',
    ...(lan != null ? { lan, discovery: 'mdns' as const } : {}),
    // Enough slots that the short sleeps of the load never queue behind each other.
    args: ['--slots', '64', ...(o.leaseMs != null ? ['--lease-ms', String(o.leaseMs)] : [])]
  })
  const faults = new FaultInjector(cluster, lan)
  const watch = new ClusterWatch(cluster, faults)
  const clientLog = new JsonlLog(join(dir, CLIENT_LOG))
  const faultLog = new JsonlLog(join(dir, FAULT_LOG))
  const load = new LoadClient({
    rate: o.rate,
    workload: o.workload ?? defaultWorkload,
    // Its own stream: a different rate or workload must not change the fault schedule.
    rng: seededRng(o.seed ^ 0x5eed),
    idPrefix: `t${o.seed}`,
    log: clientLog,
    pickEntry: entryPicker(cluster, faults, watch)
  })
  const counts: Record<string, number> = {}
  const injected: FaultRecord[] = []
  const missed: Array<{ at: number, kind: FaultKind, reason: string }> = []
  let phase: Progress['phase'] = 'starting'
  let loadStart: number | undefined
  const progress = (): void => o.onProgress?.({
    phase,
    elapsedMs: loadStart === undefined ? 0 : Date.now() - loadStart,
    durationMs: o.durationMs,
    faults: counts,
    submitted: load.submitted,
    done: load.done,
    failed: load.failed,
    inFlight: load.inFlight,
    master: watch.master == null ? null : { name: cluster.nodes[watch.master.index]!.spec.name, epoch: watch.master.epoch }
  })
  const ticker = setInterval(progress, 1000)

  const record = (kind: FaultKind, phase: FaultEvent['phase'], i: number, master: { epoch: number } | null, detail?: string): void => {
    const e: FaultEvent = { t: Date.now(), node: 'harness', type: 'fault', kind, phase, target: watch.ids[i] ?? `node${i + 1}`, name: cluster.nodes[i]!.spec.name, wasMaster: master != null, epoch: master?.epoch ?? null, ...(detail != null ? { detail } : {}) }
    faultLog.write(e)
    if (phase === 'inject') {
      counts[kind] = (counts[kind] ?? 0) + 1
      injected.push({ atMs: e.t - (loadStart ?? startedAt), kind, target: e.name, wasMaster: e.wasMaster, epoch: e.epoch, ...(detail != null ? { detail } : {}) })
    }
    log(`${((e.t - (loadStart ?? startedAt)) / 1000).toFixed(1)}s ${phase === 'inject' ? kind : `end of ${kind}`} ${e.name}${e.wasMaster ? ` (master, epoch ${e.epoch})` : ''}${detail != null ? `: ${detail}` : ''}`)
  }

  let failure: unknown
  let interrupted = false
  try {
    log(`starting ${o.nodes} nodes ${lan != null ? 'on the namespace LAN (mDNS)' : 'on 127.0.0.1 (explicit peers, mDNS off)'}; logs in ${dir}`)
    cluster.start()
    watch.start()
    const first = await watch.waitForMaster(60_000, o.signal, o.nodes)
    if (first == null && o.signal?.aborted !== true) throw new Error('the nodes did not all agree on a master within 60 s')
    if (first != null) {
      log(`converged: master ${cluster.nodes[first.index]!.spec.name} at epoch ${first.epoch}`)
      phase = 'running'
      loadStart = Date.now()
      load.start()
      await executePlan(plan, loadStart, { cluster, faults, watch, record, missed, signal: o.signal })
      await sleep(loadStart + o.durationMs - Date.now(), o.signal)
    }
    phase = 'draining'
    load.stopIssuing()
    faults.restoreAll()
    log(`load stopped; waiting for ${load.inFlight} open requests`)
    await load.drain(o.signal?.aborted === true ? 0 : o.drainMs ?? 30_000, o.signal?.aborted === true, o.signal)
  } catch (err) {
    failure = err
  } finally {
    interrupted = o.signal?.aborted === true
    clearInterval(ticker)
    watch.stop()
    await load.drain(0, true)
    try {
      faults.restoreAll()
    } catch (err) {
      failure ??= err
    }
    phase = 'checking'
    progress()
    await cluster.stop()
    clientLog.close()
    faultLog.close()
  }
  const check = checkHistory(readRunHistory(dir), o.clockToleranceMs != null ? { clockToleranceMs: o.clockToleranceMs } : {})
  const keep = o.keepDir === true || failure != null || !check.ok || check.duplicates.unexplained.length > 0
  if (!keep) rmSync(dir, { recursive: true, force: true })
  if (failure != null) {
    throw new Error(`${failure instanceof Error ? failure.message : String(failure)} (logs kept in ${dir})`)
  }
  return buildReport({
    options: o,
    plan,
    skipped,
    injected,
    missed,
    counts,
    check,
    nodes: cluster.nodes.map((n, i) => ({ name: n.spec.name, id: watch.ids[i] ?? null })),
    load: { submitted: load.submitted, skipped: load.skipped },
    elapsedMs: Date.now() - startedAt,
    interrupted,
    dir: keep ? dir : null
  })
}
