// Prometheus metrics of one node, in a registry of its own: several nodes may share a process
// (embedding, tests), so nothing goes to prom-client's global registry. Most values are read
// when scraped (the node's counters and views, through `read`); the task path only bumps plain
// counters and observes histograms.
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { TableCounters, TableEvent } from '../core/tasks/table-types.js'
import type { Role } from '../core/types.js'
import type { TaskResult } from '../node/task-api.js'
import { ElectionWatch } from './election-watch.js'
import { Timeline, type Sample } from './dashboard/timeline.js'
import type { DashboardData } from './dashboard/data.js'
import type { ClusterStatus } from '../node/status.js'

const METRIC_PREFIX = 'mcp_cluster_'

/** What the node is at the moment of a scrape: plain data, read through `NodeMetricsOptions.read`. */
export interface NodeReading {
  role: Role
  /** Highest epoch (term) this node has seen. */
  epoch: number
  masterKnown: boolean
  voters: number
  members: { alive: number, suspect: number, dead: number }
  /** Tasks running in the cluster, from the alive members' heartbeats (this node included). */
  clusterRunning: number
  /** The master's task table counters, summed over every term this node was master. */
  table: TableCounters
  /** Tasks in the master's queue (0 unless this node is the master). */
  queueLength: number
  /** Tasks this node runs now, and its slots. */
  running: number
  slots: number
  /** Tasks submitted through this node still waiting for their result. */
  awaitingResults: number
  connections: { inbound: number, outbound: number }
  /** Open streams per protocol. */
  streams: Record<string, number>
  /** Connected peers and the round-trip time of libp2p's last connection ping (null before the first). */
  peers: Array<{ id: string, rttMs: number | null }>
  discovered: number
  droppedFrames: number
  gossip: { published: number, received: number, rejected: number }
  /** p99 event-loop delay over the last heartbeat interval. */
  eventLoopDelayMs: number
  /** This node's result cache, and on the master the number of keys in its holder index. */
  cache: { maxBytes: number, entries: number, bytes: number, hits: number, misses: number, evictions: number, expired: number, indexKeys: number }
}

/** What the task driver reports as tasks flow: plain counter bumps and histogram observations. */
export interface TaskObserver {
  submitted: () => void
  settled: (result: TaskResult) => void
  ran: (type: string, ok: boolean, ms: number) => void
  placed: (waitedMs: number) => void
  tableFailure: (e: Extract<TableEvent, { type: 'failed' | 'timed-out' | 'worker-lost' }>) => void
}

export interface NodeMetricsOptions {
  selfId: string
  version: string
  lease: { leaseMs: number, maxDriftMs: number }
  read: () => NodeReading
  /** Where a failed timeline sample is reported (the timer must not throw). */
  onSampleError?: (err: unknown) => void
  /** Wall clock for the timeline (injectable for tests). */
  wallClock?: () => number
}

const ROLES: readonly Role[] = ['master', 'voter', 'worker']
/**
 * The master's task table counters, summed over the terms this node was master: only those
 * about this master's own decisions. Completions are not among them: a new master adopts the
 * results of the last seconds from the workers' reports and counts them again, so tasks are
 * counted as completed or failed on the node they were submitted through, exactly once.
 */
const TABLE_COUNTERS: ReadonlyArray<[keyof TableCounters, string, string]> = [
  ['rejected', 'tasks_rejected_total', 'Submissions this node rejected while master (queue full, no node can ever run it, invalid).'],
  ['placed', 'tasks_placed_total', 'Attempts this node placed on workers while master.'],
  ['retried', 'tasks_retried_total', 'Attempts re-queued after an error, a time-out or a lost worker, counted while master.'],
  ['timedOut', 'tasks_timed_out_total', 'Attempts that timed out (on the worker, or with no result at the master), counted while master.'],
  ['refused', 'tasks_refused_total', 'Assignments a worker refused (full, no handler, stale epoch), counted while master.'],
  ['duplicatesSeen', 'tasks_duplicated_total', 'Tasks seen to run more than once (a result from an attempt given up on, or from two workers), counted while master.'],
  ['duplicatesRisked', 'tasks_duplicate_risk_total', 'Attempts given up on while their worker may still run them (possible duplicates), counted while master.'],
  ['adopted', 'tasks_adopted_total', 'Running tasks and results learned from workers\' reports after a failover, counted while master.'],
  ['coalesced', 'tasks_coalesced_total', 'Tasks that shared the result of an identical task (same cache key) running at the same time, counted while master.']
]

export class NodeMetrics implements TaskObserver {
  readonly registry = new Registry()
  readonly timeline = new Timeline()
  /** Fed after every election step (see ElectionDriver's afterFlush): times failovers and renewals. */
  readonly election: ElectionWatch
  private submittedCount = 0
  private settledOk = 0
  private settledFailed = 0
  private ranCount = 0
  private readonly runTime: Histogram<'type' | 'outcome'>
  /** Histogram children per task type: each observation reuses its type's label object. */
  private readonly runOk = new Map<string, Histogram.Internal<'type' | 'outcome'>>()
  private readonly runFailed = new Map<string, Histogram.Internal<'type' | 'outcome'>>()
  private readonly placement: Histogram
  private readonly failoverTime: Histogram
  private readonly renewTime: Histogram
  /** One reading per scrape, shared by every collector of that scrape. */
  private cached?: NodeReading
  private sampler?: NodeJS.Timeout
  private lastSample?: { at: number, placed: number, ran: number, settled: number }
  private readonly wall: () => number

  constructor (private readonly o: NodeMetricsOptions) {
    this.wall = o.wallClock ?? Date.now
    const registers = [this.registry]
    const m = (name: string): string => METRIC_PREFIX + name

    this.placement = new Histogram({ name: m('placement_seconds'), help: 'Time a task waited in the master\'s queue before it was placed (per attempt).', registers, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] })
    this.runTime = new Histogram({ name: m('task_run_seconds'), help: 'Run time of the tasks this node ran, by task type and outcome (ok or error).', labelNames: ['type', 'outcome'], registers, buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] })
    this.failoverTime = new Histogram({ name: m('failover_seconds'), help: 'From the last lease renewal this node saw from the previous master to a new master\'s lease.', registers, buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60] })
    this.renewTime = new Histogram({ name: m('lease_renew_seconds'), help: 'On the master: from the start of a renewal round to the quorum that extended the lease.', registers, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] })

    this.election = new ElectionWatch(o.selfId, o.lease, {
      failover: (s) => { this.failoverTime.observe(s) },
      renewed: (s) => { this.renewTime.observe(s) },
      masterChanged: (master, epoch) => { this.timeline.masterChanged(this.wall(), master, epoch) }
    })

    const read = (): NodeReading => this.reading()
    const watch = this.election
    gauge(this.registry, m('info'), 'Always 1; labels say which node and version this is.', ['node', 'version'], (g) => { g.set({ node: o.selfId, version: o.version }, 1) })
    gauge(this.registry, m('role'), '1 for the role this node has now (master, voter or worker), 0 for the others.', ['role'], (g) => {
      const role = read().role
      for (const r of ROLES) g.set({ role: r }, r === role ? 1 : 0)
    })
    gauge(this.registry, m('epoch'), 'Highest epoch (election term) this node has seen.', [], (g) => { g.set(read().epoch) })
    gauge(this.registry, m('master_known'), '1 while this node knows a master with a valid lease.', [], (g) => { g.set(read().masterKnown ? 1 : 0) })
    gauge(this.registry, m('voters'), 'Size of the agreed voter set (0 before bootstrap).', [], (g) => { g.set(read().voters) })
    gauge(this.registry, m('members'), 'Known members by state, this node included.', ['state'], (g) => {
      const s = read().members
      g.set({ state: 'alive' }, s.alive)
      g.set({ state: 'suspect' }, s.suspect)
      g.set({ state: 'dead' }, s.dead)
    })
    counter(this.registry, m('elections_started_total'), 'Campaigns for the master lease this node started.', [], (c) => { c.inc(watch.campaigns) })
    counter(this.registry, m('elections_won_total'), 'Campaigns this node won (it became master).', [], (c) => { c.inc(watch.won) })
    counter(this.registry, m('leases_lost_total'), 'Times this node, as master, lost its lease before a quorum renewed it.', [], (c) => { c.inc(watch.leasesLost) })

    counter(this.registry, m('tasks_submitted_total'), 'Tasks submitted through this node.', [], (c) => { c.inc(this.submittedCount) })
    counter(this.registry, m('tasks_completed_total'), 'Tasks submitted through this node that completed successfully.', [], (c) => { c.inc(this.settledOk) })
    counter(this.registry, m('tasks_failed_total'), 'Tasks submitted through this node that failed for good (cancelled ones included).', [], (c) => { c.inc(this.settledFailed) })
    for (const [key, name, help] of TABLE_COUNTERS) counter(this.registry, m(name), help, [], (c) => { c.inc(read().table[key]) })
    gauge(this.registry, m('task_queue_length'), 'Tasks waiting in the master\'s queue (0 unless this node is the master).', [], (g) => { g.set(read().queueLength) })
    gauge(this.registry, m('tasks_running'), 'Tasks this node runs now.', [], (g) => { g.set(read().running) })
    gauge(this.registry, m('task_slots'), 'Task slots this node offers.', [], (g) => { g.set(read().slots) })
    gauge(this.registry, m('tasks_awaiting_result'), 'Tasks submitted through this node still waiting for their result.', [], (g) => { g.set(read().awaitingResults) })

    gauge(this.registry, m('connections'), 'Open libp2p connections by direction.', ['direction'], (g) => {
      const c = read().connections
      g.set({ direction: 'inbound' }, c.inbound)
      g.set({ direction: 'outbound' }, c.outbound)
    })
    gauge(this.registry, m('streams'), 'Open libp2p streams by protocol.', ['protocol'], (g) => {
      for (const [protocol, n] of Object.entries(read().streams)) g.set({ protocol }, n)
    })
    gauge(this.registry, m('peer_rtt_seconds'), 'Round-trip time to each connected peer, from libp2p\'s periodic connection ping.', ['peer'], (g) => {
      for (const p of read().peers) if (p.rttMs !== null) g.set({ peer: p.id }, p.rttMs / 1000)
    })
    gauge(this.registry, m('peers_discovered'), 'Peers found by mDNS since start.', [], (g) => { g.set(read().discovered) })
    counter(this.registry, m('frames_dropped_total'), 'Frames dropped because a peer\'s send queue was full.', [], (c) => { c.inc(read().droppedFrames) })
    const cache = (): NodeReading['cache'] => read().cache
    counter(this.registry, m('cache_hits_total'), 'Tasks this node answered from its result cache without running the handler.', [], (c) => { c.inc(cache().hits) })
    counter(this.registry, m('cache_misses_total'), 'Tasks with a cache key this node had to run (no entry, or an expired one).', [], (c) => { c.inc(cache().misses) })
    counter(this.registry, m('cache_evictions_total'), 'Cache entries dropped to stay under --cache-max-bytes.', [], (c) => { c.inc(cache().evictions) })
    counter(this.registry, m('cache_expired_total'), 'Cache entries found past their time-to-live.', [], (c) => { c.inc(cache().expired) })
    gauge(this.registry, m('cache_bytes'), 'Bytes of results held in this node\'s cache.', [], (g) => { g.set(cache().bytes) })
    gauge(this.registry, m('cache_entries'), 'Results held in this node\'s cache.', [], (g) => { g.set(cache().entries) })
    gauge(this.registry, m('cache_max_bytes'), 'The cache\'s byte bound (--cache-max-bytes; 0: off).', [], (g) => { g.set(cache().maxBytes) })
    gauge(this.registry, m('cache_index_keys'), 'On the master: cache keys with a known holder (0 elsewhere).', [], (g) => { g.set(cache().indexKeys) })
    counter(this.registry, m('heartbeats_sent_total'), 'Heartbeats this node published on gossip.', [], (c) => { c.inc(read().gossip.published) })
    counter(this.registry, m('heartbeats_received_total'), 'Heartbeats from other nodes accepted.', [], (c) => { c.inc(read().gossip.received) })
    counter(this.registry, m('heartbeats_rejected_total'), 'Gossip messages rejected (malformed, unsigned, forged author).', [], (c) => { c.inc(read().gossip.rejected) })

    gauge(this.registry, m('process_memory_bytes'), 'Memory of the process (shared by every node in it), by kind.', ['kind'], (g) => {
      const u = process.memoryUsage()
      g.set({ kind: 'rss' }, u.rss)
      g.set({ kind: 'heap_used' }, u.heapUsed)
      g.set({ kind: 'heap_total' }, u.heapTotal)
      g.set({ kind: 'external' }, u.external)
    })
    counter(this.registry, m('process_cpu_seconds_total'), 'CPU time of the process (user + system).', [], (c) => {
      const u = process.cpuUsage()
      c.inc((u.user + u.system) / 1e6)
    })
    gauge(this.registry, m('event_loop_delay_seconds'), 'p99 event-loop delay over the last heartbeat interval (what the heartbeat advertises).', [], (g) => { g.set(read().eventLoopDelayMs / 1000) })
  }

  /** The Prometheus text exposition of this node. */
  async text (): Promise<string> {
    return await this.registry.metrics()
  }

  get contentType (): string { return this.registry.contentType }

  /** The timeline samples once a second while started. */
  start (): void {
    if (this.sampler !== undefined) return
    this.sampler = setInterval(() => {
      try { this.sample() } catch (err) { this.o.onSampleError?.(err) }
    }, 1000)
    this.sampler.unref()
  }

  stop (): void {
    clearInterval(this.sampler)
    this.sampler = undefined
  }

  /** The reading shared by this scrape's collectors (prom-client runs them all in one turn). */
  reading (): NodeReading {
    if (this.cached === undefined) {
      this.cached = this.o.read()
      queueMicrotask(() => { this.cached = undefined })
    }
    return this.cached
  }

  /** Take one timeline sample: rates since the previous one. */
  sample (): Sample {
    const r = this.o.read()
    const at = this.wall()
    const prev = this.lastSample
    const seconds = prev === undefined ? 1 : Math.max(0.001, (at - prev.at) / 1000)
    const rate = (total: number, before: number | undefined): number => before === undefined ? 0 : round1(Math.max(0, total - before) / seconds)
    const settled = this.settledOk + this.settledFailed
    const isMaster = r.role === 'master'
    const s: Sample = {
      t: at,
      placed: isMaster ? rate(r.table.placed, prev?.placed) : null,
      ran: rate(this.ranCount, prev?.ran),
      settled: rate(settled, prev?.settled),
      queue: isMaster ? r.queueLength : null,
      running: r.clusterRunning
    }
    this.lastSample = { at, placed: r.table.placed, ran: this.ranCount, settled }
    this.timeline.addSample(s)
    return s
  }

  /** GET /dashboard.json: the node's status, its peers' round trips and its timeline. */
  dashboard (status: ClusterStatus): DashboardData {
    return {
      generatedAt: this.wall(),
      status,
      peers: this.o.read().peers,
      timeline: this.timeline.snapshot()
    }
  }

  // ---- TaskObserver: called on the task path, so nothing here allocates beyond the observation.

  submitted (): void { this.submittedCount++ }

  settled (result: TaskResult): void {
    if (result.ok) {
      this.settledOk++
      return
    }
    this.settledFailed++
    this.timeline.failure({ t: this.wall(), kind: 'task-failed', id: result.id, node: result.node, code: result.error?.code ?? null, message: result.error?.message ?? '' })
  }

  ran (type: string, ok: boolean, ms: number): void {
    this.ranCount++
    const children = ok ? this.runOk : this.runFailed
    let child = children.get(type)
    if (child === undefined) children.set(type, child = this.runTime.labels({ type, outcome: ok ? 'ok' : 'error' }))
    child.observe(ms / 1000)
  }

  placed (waitedMs: number): void {
    this.placement.observe(waitedMs / 1000)
  }

  tableFailure (e: Extract<TableEvent, { type: 'failed' | 'timed-out' | 'worker-lost' }>): void {
    const t = this.wall()
    if (e.type === 'failed') this.timeline.failure({ t, kind: 'task-failed', id: e.id, node: null, code: e.error.code, message: e.error.message })
    else if (e.type === 'timed-out') this.timeline.failure({ t, kind: 'attempt-timed-out', id: e.id, node: e.node, code: 'timeout', message: `attempt ${e.attempt} gave no result in time` })
    else this.timeline.failure({ t, kind: 'worker-lost', id: null, node: e.node, code: null, message: `worker lost; ${e.requeued.length} task(s) re-queued` })
  }
}

/** A gauge whose value is read when scraped. */
function gauge<L extends string> (registry: Registry, name: string, help: string, labelNames: L[], set: (g: Gauge<L>) => void): void {
  new Gauge<L>({ name, help, labelNames, registers: [registry], collect () { this.reset(); set(this) } })
}

/** A counter whose total is read when scraped (the node keeps the running totals). */
function counter<L extends string> (registry: Registry, name: string, help: string, labelNames: L[], set: (c: Counter<L>) => void): void {
  new Counter<L>({ name, help, labelNames, registers: [registry], collect () { this.reset(); set(this) } })
}

function round1 (x: number): number {
  return Math.round(x * 10) / 10
}
