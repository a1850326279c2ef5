// A cluster node: assembles libp2p, the gossip, the direct channels and the pure state
// machines, and owns the timers that drive them. Nothing here decides anything: the
// membership view, the election and the scheduler do.
import '../polyfill.js'
import { EventEmitter } from 'node:events'
import { peerIdFromString } from '@libp2p/peer-id'
import { mkdir, readFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import type { ResolvedNodeOptions } from '../config/options.js'
import type { MembershipEvent } from '../core/membership/events.js'
import type { ElectionEvent, MemberHealth } from '../core/election/types.js'
import type { ClaimView } from '../core/types.js'
import { createClusterLibp2p, type ClusterLibp2p } from '../net/libp2p.js'
import { HeartbeatGossip } from '../net/gossip.js'
import { PeerChannels } from '../net/peer-channels.js'
import { Connector } from '../net/connector.js'
import { ELECTION_PROTOCOL, TASKS_PROTOCOL, heartbeatTopic } from '../net/protocols.js'
import { serveEcho } from '../net/echo.js'
import { serveQueries } from '../net/query.js'
import { MAX_ELECTION_FRAME_BYTES } from '../wire/election.js'
import { MAX_TASK_FRAME_BYTES } from '../wire/tasks.js'
import { createPolicy, customPolicy, type PlacementPolicy } from '../core/scheduler/policy.js'
import type { TaskState, TaskSummary, WorkerInfo } from '../core/tasks/table-types.js'
import type { JsonValue } from '../core/tasks/types.js'
import { TaskDriver } from './task-driver.js'
import { TaskError, type HandlerOptions, type SubmitOptions, type TaskHandler, type TaskResult } from './task-api.js'
import { BUILTIN_TASKS } from './builtin-tasks.js'
import { createLogger } from '../observability/logger.js'
import { HttpEndpoint } from '../observability/http.js'
import { parseHttpAddress } from '../config/http-address.js'
import { systemClock, type Clock } from './clock.js'
import { loadOrCreateIdentity } from './identity.js'
import { LocalLoad } from './local-load.js'
import { MembershipDriver, type HeartbeatBody } from './membership-driver.js'
import { ElectionDriver } from './election-driver.js'
import { buildStatus, type ClusterStatus, type NetworkStatus } from './status.js'
import { registerRoutes } from './http-routes.js'
import { registerDoctorRoutes } from './doctor-routes.js'
import { registerObserveRoutes } from './observe-routes.js'
import { readNode } from './node-reading.js'
import { NodeMetrics } from '../observability/metrics.js'
import { EventLog, noEvents, type EventSink } from '../observability/event-log.js'
import { VERSION } from '../version.js'
import { tickIntervalMs } from './tick-interval.js'

export interface ClusterNodeEvents {
  membership: [MembershipEvent]
  election: [ElectionEvent]
  started: []
  stopped: []
}

export class ClusterNode extends EventEmitter<ClusterNodeEvents> {
  log: Logger
  private readonly clock: Clock = systemClock
  private libp2p?: ClusterLibp2p
  private membership?: MembershipDriver
  private electionDriver?: ElectionDriver
  private gossip?: HeartbeatGossip
  private electionChannels?: PeerChannels
  private taskChannels?: PeerChannels
  private tasks?: TaskDriver
  private readonly handlers = new Map<string, { fn: TaskHandler, opts: HandlerOptions }>()
  private history: EventSink = noEvents
  /** Last lease end recorded in the history (wall clock), so renewals are logged, not every tick. */
  private recordedLeaseUntil = 0
  private connector?: Connector
  private http?: HttpEndpoint
  private load?: LocalLoad
  private nodeMetrics?: NodeMetrics
  private ticker?: NodeJS.Timeout
  private tickEveryMs = 0
  private ownAddrs?: string[]
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new'
  private starting?: Promise<void>
  private stopping?: Promise<void>
  private httpAddress?: { host: string, port: number }

  constructor (readonly options: ResolvedNodeOptions, log?: Logger) {
    super()
    this.log = log ?? createLogger({ level: options.logLevel })
  }

  /** This node's peer id (available after start). */
  get id (): string {
    if (this.libp2p == null) throw new Error('node not started')
    return this.libp2p.peerId.toString()
  }

  get running (): boolean { return this.state === 'running' }

  /** The address the HTTP endpoint listens on, when enabled. */
  get httpUrl (): string | undefined {
    const a = this.httpAddress
    return a == null ? undefined : `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`
  }

  /** The libp2p node (for advanced embedding, benchmarks and diagnostics); undefined until started. */
  get p2p (): ClusterLibp2p | undefined { return this.libp2p }

  /** This node's Prometheus registry and dashboard timeline (see docs/observability.md); undefined until started. */
  get metrics (): NodeMetrics | undefined { return this.nodeMetrics }

  /** Cached: libp2p computes them afresh on each call (a getsockname per listener, per heartbeat). */
  get multiaddrs (): string[] {
    if (this.libp2p == null) return []
    if (this.ownAddrs === undefined || this.ownAddrs.length === 0) this.ownAddrs = this.libp2p.getMultiaddrs().map(String)
    return this.ownAddrs
  }

  async start (): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot start a node that is ${this.state}`)
    this.state = 'starting'
    this.starting = (async () => {
      try {
        await this.startParts()
        if (this.state !== 'starting') throw new Error('the node was stopped while starting')
        this.state = 'running'
        this.safeEmit('started')
      } catch (err) {
        await this.stopParts().catch(() => {})
        this.state = 'stopped'
        throw err
      }
    })()
    await this.starting
  }

  private async startParts (): Promise<void> {
    const o = this.options
    await mkdir(o.dataDir, { recursive: true })
    const privateKey = await loadOrCreateIdentity(o.dataDir)
    const swarmKey = o.secretFile != null ? await readSwarmKey(o.secretFile) : undefined

    this.libp2p = await createClusterLibp2p({
      privateKey,
      listen: o.listen,
      mdns: o.mdns,
      onMdnsPeer: (id) => { this.connector?.noteMdns(id) },
      cluster: o.cluster,
      ...(swarmKey != null ? { swarmKey } : {})
    })
    const selfId = this.libp2p.peerId.toString()
    this.log = this.log.child({ node: selfId.slice(-8) })
    if (swarmKey == null) this.log.warn('no cluster secret: this is an open cluster that any node on the network can join (see --secret-file)')

    if (o.eventLog != null) this.history = new EventLog(o.eventLog, selfId)

    const metrics = this.nodeMetrics = new NodeMetrics({
      selfId,
      version: VERSION,
      lease: { leaseMs: o.leaseMs, maxDriftMs: o.maxDriftMs },
      read: () => readNode(this.status(), this.tasks!.totals(), this.libp2p!.getConnections()),
      onSampleError: (err) => { this.log.error({ err }, 'metrics sample failed') }
    })

    this.load = new LocalLoad({ slots: o.slots, cpus: o.cpus, memoryBytes: o.memoryBytes, resources: o.resources, labels: o.labels })
    this.load.start()

    this.electionDriver = new ElectionDriver({
      selfId,
      dataDir: o.dataDir,
      params: {
        expect: o.expect, leaseMs: o.leaseMs, renewMs: o.renewMs, maxDriftMs: o.maxDriftMs, backoffMaxMs: o.electionBackoffMs,
        // A worker must be seen alive for a few heartbeats before it may replace a dead voter.
        replaceDeadVoterAfterMs: o.replaceDeadVoterAfterMs, promoteAfterAliveMs: 3 * o.heartbeatMs
      },
      clock: this.clock,
      log: this.log.child({ component: 'election' }),
      peers: () => this.alivePeers(),
      onEvents: (events) => { this.onElectionEvents(events) },
      afterFlush: (events) => {
        const now = this.clock.now()
        metrics.election.update(now, this.electionDriver!.election.status(now).master, events)
      }
    })

    this.tasks = new TaskDriver({
      selfId,
      clock: this.clock,
      log: this.log.child({ component: 'tasks' }),
      election: this.electionDriver.election,
      slots: o.slots,
      maxPayloadBytes: o.maxPayloadBytes,
      maxSubmitRate: o.maxSubmitRate,
      cacheMaxBytes: o.cacheMaxBytes,
      submitTimeoutMs: o.submitTimeoutMs,
      maxQueue: o.maxQueue,
      masterTasks: o.masterTasks,
      policy: toPolicy(o.placement),
      workers: (connectedOnly) => this.workerInfos(connectedOnly),
      history: this.history,
      faultIgnoreLease: process.env.MCP_FAULT_IGNORE_LEASE === '1',
      afterOrderCheck: () => { this.electionDriver?.flush() },
      metrics
    })
    if (process.env.MCP_FAULT_IGNORE_LEASE === '1') this.log.warn('FAULT INJECTION: MCP_FAULT_IGNORE_LEASE=1, this node keeps giving orders after its lease expires (chaos testing only)')
    if (o.builtinTasks) for (const [type, fn] of Object.entries(BUILTIN_TASKS)) this.tasks.handle(type, fn)
    for (const [type, h] of this.handlers) this.tasks.handle(type, h.fn, h.opts)

    this.membership = new MembershipDriver({
      selfId,
      suspectMs: o.suspectMs,
      deadMs: o.deadMs,
      heartbeatMs: o.heartbeatMs,
      clock: this.clock,
      log: this.log.child({ component: 'membership' }),
      heartbeat: () => this.heartbeatBody(true),
      onEvents: (events) => { this.onMembershipEvents(events) }
    })

    this.gossip = new HeartbeatGossip(this.libp2p, { topic: heartbeatTopic(o.cluster), onMessage: this.membership.onGossip, log: this.log.child({ component: 'gossip' }) })
    this.electionChannels = new PeerChannels(this.libp2p, {
      protocol: ELECTION_PROTOCOL,
      maxFrameBytes: MAX_ELECTION_FRAME_BYTES,
      maxQueuedFrames: 256,
      dialTimeoutMs: 1000,
      onFrame: this.electionDriver.onFrame,
      log: this.log.child({ component: 'election-stream' })
    })
    this.electionDriver.attach(this.electionChannels)
    this.taskChannels = new PeerChannels(this.libp2p, {
      protocol: TASKS_PROTOCOL,
      maxFrameBytes: MAX_TASK_FRAME_BYTES,
      maxQueuedFrames: 4096,
      dialTimeoutMs: 2000,
      onFrame: this.tasks.onFrame,
      log: this.log.child({ component: 'task-stream' })
    })
    this.tasks.attach(this.taskChannels)
    this.connector = new Connector(this.libp2p, { explicitPeers: o.peers, redialMs: 250, maxBackoffMs: 30_000, log: this.log.child({ component: 'connector' }) })

    this.libp2p.addEventListener('self:peer:update', () => { this.ownAddrs = undefined })
    try {
      await this.libp2p.start()
    } catch (err: any) {
      const msg = String(err?.message ?? err)
      if (/EADDRINUSE/.test(msg)) throw new Error(`cannot listen on ${o.listen.join(', ')}: address in use (pick another port with --listen)`)
      throw err
    }
    await this.electionChannels.start()
    await this.taskChannels.start()
    await serveEcho(this.libp2p)
    await serveQueries(this.libp2p, { task: (id) => this.task(id), log: this.log.child({ component: 'query' }) })
    this.gossip.start()
    this.connector.start()
    this.membership.start(this.gossip)
    this.history.record({ type: 'start', incarnation: this.membership.incarnation })
    this.libp2p.services.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.scheduleTick()
    metrics.start()

    if (o.http !== 'off') {
      const { host, port } = parseHttpAddress(o.http)!
      this.http = new HttpEndpoint({ host, port, maxBodyBytes: o.maxPayloadBytes + 64 * 1024, log: this.log.child({ component: 'http' }), ...(o.httpToken != null ? { token: o.httpToken } : {}) })
      registerRoutes(this.http, this)
      registerDoctorRoutes(this.http, this, () => this.connector?.discovered.keys() ?? [])
      registerObserveRoutes(this.http, this, metrics)
      this.httpAddress = await this.http.listen()
    }
    this.log.info({ id: selfId, addrs: this.multiaddrs, http: this.httpUrl ?? 'off', mdns: o.mdns, expect: o.expect }, 'node started')
  }

  /** Stop gracefully: hand the master lease over, say goodbye on gossip, then close. */
  /** Stop (idempotent: every caller waits for the same stop; a stop during start waits for it). */
  async stop (): Promise<void> {
    if (this.stopping == null) this.stopping = this.stopOnce()
    await this.stopping
  }

  private async stopOnce (): Promise<void> {
    if (this.state === 'new') { this.state = 'stopped'; return }
    if (this.state === 'starting') {
      this.state = 'stopping' // startParts sees this and unwinds
      await this.starting?.catch(() => {})
      return
    }
    if (this.state === 'stopped') return
    this.state = 'stopping'
    try {
      const driver = this.electionDriver
      const peers = this.alivePeers()
      if (driver != null) {
        driver.election.stepDown(this.clock.now())
        driver.flush()
      }
      // Goodbye right away: the new master then waits for no report from this node.
      await this.membership?.leave()
      await Promise.race([
        Promise.all(peers.map(async (p) => { await this.electionChannels?.flushed(p) })),
        sleep(300)
      ])
      // Give gossipsub a moment to put the goodbye on the wire before connections close.
      await sleep(50)
    } finally {
      await this.stopParts()
      this.state = 'stopped'
      this.safeEmit('stopped')
      this.log.info('node stopped')
    }
  }

  private async stopParts (): Promise<void> {
    clearTimeout(this.ticker)
    this.ticker = undefined
    this.libp2p?.services.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    this.membership?.stop()
    this.connector?.stop()
    this.load?.stop()
    this.nodeMetrics?.stop()
    this.tasks?.stop() // first: no handler may start from a frame that arrives while closing
    await this.http?.close()
    await this.electionChannels?.stop().catch(() => {})
    await this.taskChannels?.stop().catch(() => {})
    this.gossip?.stop()
    await this.libp2p?.stop()
    if (this.history instanceof EventLog) this.history.close()
  }

  /** User listeners must not break the node: a throwing listener is logged, not propagated. */
  private safeEmit<K extends keyof ClusterNodeEvents> (event: K, ...args: ClusterNodeEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: ClusterNodeEvents[K]) => boolean)(event, ...args)
    } catch (err) {
      this.log.error({ err, event }, 'an event listener threw')
    }
  }

  private readonly onSubscriptionChange = (e: CustomEvent<{ peerId: { toString: () => string } }>): void => {
    this.log.debug({ peer: e.detail.peerId.toString().slice(-8) }, 'peer subscribed')
    this.membership?.nudge()
  }

  status (): ClusterStatus {
    const now = this.clock.now()
    return buildStatus({
      now,
      selfId: this.id,
      addresses: this.multiaddrs,
      version: VERSION,
      secret: this.options.secretFile != null,
      self: this.heartbeatBody(),
      members: this.membership?.view.members() ?? [],
      election: this.electionDriver!.election.status(now),
      cache: this.tasks?.cacheStats()
    }, this.networkStatus())
  }

  private networkStatus (): NetworkStatus | undefined {
    const { libp2p, connector, gossip } = this
    if (libp2p == null || connector == null || gossip == null) return undefined
    const wall = Date.now()
    return {
      connections: libp2p.getConnections().length,
      discovered: connector.discovered.size,
      dialFailures: [...connector.failures.values()].map(f => ({ peer: f.peer, cause: f.cause, reason: f.reason, agoMs: wall - f.at })),
      gossip: { published: gossip.published, received: gossip.received, rejected: gossip.rejected },
      droppedFrames: (this.electionChannels?.droppedFrames ?? 0) + (this.taskChannels?.droppedFrames ?? 0)
    }
  }

  private scheduleTick (): void {
    this.tickEveryMs = tickIntervalMs(this.id, this.electionDriver!.election.voterSets())
    this.ticker = setTimeout(() => {
      if (this.ticker === undefined) return // stopped
      // One bad tick (a full disk under the election state, a state-machine bug) is logged;
      // it must not take the process down.
      try { this.tick() } catch (err) { this.log.error({ err }, 'tick failed') }
      if (this.ticker !== undefined) this.scheduleTick()
    }, this.tickEveryMs)
  }

  private tick (): void {
    const now = this.clock.now()
    this.membership?.tick()
    const view = this.membership?.view
    const driver = this.electionDriver
    if (view != null && driver != null) {
      const claims = new Map<string, ClaimView>()
      const alive: string[] = []
      const health = new Map<string, MemberHealth>()
      for (const m of view.members()) {
        health.set(m.id, { state: m.state, since: m.since })
        if (m.state !== 'alive') continue
        alive.push(m.id)
        claims.set(m.id, m.heartbeat.cluster)
      }
      driver.election.observeClaims(claims, alive, now)
      driver.election.observeMembers(health, now)
      driver.tick()
      this.recordLease(now)
    }
    this.tasks?.tick()
  }

  /** Register a task type on this node (before or after start). */
  handle (type: string, fn: TaskHandler, opts: HandlerOptions = {}): void {
    this.handlers.set(type, { fn, opts })
    this.tasks?.handle(type, fn, opts)
  }

  /**
   * Submit a task from this node and wait for its result. Rejects with a TaskError saying
   * why when it did not succeed (handler error, timeout, no worker can ever fit, cancelled).
   */
  async submit (type: string, payload: JsonValue, options: SubmitOptions = {}): Promise<JsonValue> {
    const r = await this.run(type, payload, options)
    if (r.ok) return r.value ?? null
    throw new TaskError(r.error!.code, r.error!.message, r.id, r.attempts)
  }

  /** Like submit, but resolves with the whole result (ok or not, attempts, node, duration). */
  async run (type: string, payload: JsonValue, options: SubmitOptions = {}): Promise<TaskResult> {
    return await this.enqueue(type, payload, options).result
  }

  /** Submit without waiting: the task's id at once, and its result later. */
  enqueue (type: string, payload: JsonValue, options: SubmitOptions = {}): { id: string, result: Promise<TaskResult> } {
    if (this.tasks == null || this.state !== 'running') throw new TaskError('not-running', 'the node is not running')
    return this.tasks.enqueue(type, payload, options)
  }

  /** Submit many; yields each result as it finishes (in completion order). */
  async * submitMany (items: Iterable<{ type: string, payload: JsonValue, options?: SubmitOptions }>, concurrency = 256): AsyncGenerator<TaskResult> {
    // Finished results queue up here; the generator waits for one only when none is ready.
    const ready: TaskResult[] = []
    let wake: (() => void) | null = null
    let inFlight = 0
    const launch = (item: { type: string, payload: JsonValue, options?: SubmitOptions }): void => {
      inFlight++
      const settle = (r: TaskResult): void => {
        inFlight--
        ready.push(r)
        wake?.()
      }
      this.run(item.type, item.payload, item.options ?? {}).then(settle, (err: unknown) => {
        // Refused at once (invalid options, full queue, node stopping): a failed result, not a throw.
        const code = err instanceof TaskError ? err.code : 'invalid'
        settle({ id: item.options?.id ?? '', ok: false, error: { code, message: err instanceof Error ? err.message : String(err) }, attempts: 0, node: null, durationMs: 0 })
      })
    }
    const next = async (): Promise<TaskResult> => {
      while (ready.length === 0) await new Promise<void>((resolve) => { wake = resolve })
      wake = null
      return ready.shift()!
    }
    for (const item of items) {
      launch(item)
      if (inFlight >= concurrency) yield await next()
    }
    while (inFlight > 0 || ready.length > 0) yield await next()
  }

  /** Cancel a task this node submitted. Returns false if it is unknown or already finished. */
  cancel (id: string): boolean {
    return this.tasks?.cancel(id) ?? false
  }

  /** What this node knows of a task (the master knows placements; the submitter its result). */
  task (id: string): ReturnType<TaskDriver['task']> {
    return this.tasks?.task(id)
  }

  /** The task table (on the master) and this node's worker state. */
  taskStats (): { table: ReturnType<TaskDriver['tableSnapshot']>, worker: ReturnType<TaskDriver['workerSnapshot']> } | undefined {
    if (this.tasks == null) return undefined
    return { table: this.tasks.tableSnapshot(), worker: this.tasks.workerSnapshot() }
  }

  /** The tasks in the master's table, latest `limit` (default 1000); null unless this node is the master. */
  listTasks (filter?: TaskState, limit?: number): TaskSummary[] | null {
    return this.tasks?.listTasks(filter, limit) ?? null
  }

  private workerInfos (connectedOnly = false): WorkerInfo[] {
    const now = this.clock.now()
    const masterId = this.electionDriver?.election.status(now).master?.id
    const self = { capacity: this.load!.capacity() as WorkerInfo['capacity'], load: this.load!.current, handlers: [...this.tasks?.handledTypes ?? []] }
    const infos: WorkerInfo[] = [{ id: this.id, ...self, isMaster: masterId === this.id }]
    for (const m of this.membership?.view.members() ?? []) {
      if (m.state !== 'alive') continue
      if (connectedOnly && this.libp2p != null && this.libp2p.getConnections(peerIdFromString(m.id)).length === 0) continue
      const hb = m.heartbeat
      infos.push({ id: m.id, capacity: hb.capacity as WorkerInfo['capacity'], load: hb.load, handlers: [...hb.handlers], isMaster: masterId === m.id })
    }
    return infos
  }

  private alivePeers (): string[] {
    return this.membership?.view.members().filter(m => m.state !== 'dead').map(m => m.id) ?? []
  }

  private heartbeatBody (fresh = false): HeartbeatBody {
    const election = this.electionDriver!.election
    const status = election.status(this.clock.now())
    return {
      version: VERSION,
      addrs: this.multiaddrs,
      role: status.role === 'master' ? 'master' : status.voters?.includes(this.id) === true ? 'voter' : 'worker',
      capacity: this.load!.capacity(),
      load: fresh ? this.load!.sample(this.tasks?.runningCount ?? 0, 0) : this.load!.current,
      handlers: this.tasks?.handledTypes ?? [],
      cluster: election.claim()
    }
  }

  private onMembershipEvents (events: MembershipEvent[]): void {
    for (const e of events) {
      // Claims and load change all the time: updates are debug, state changes are news.
      const level = e.type === 'suspect' || (e.type === 'dead' && e.reason !== 'left') ? 'warn' : e.type === 'update' ? 'debug' : 'info'
      this.log[level]({ member: e.id.slice(-8), event: e.type, ...('reason' in e ? { reason: e.reason } : {}) }, `member ${e.type}`)
      if (e.type === 'dead' || e.type === 'restart') this.tasks?.workerGone(e.id)
      if (e.type === 'join' || e.type === 'recover') {
        const addrs = this.membership?.view.get(e.id)?.heartbeat.addrs ?? []
        this.connector?.learn(e.id, addrs).catch((err: unknown) => { this.log.debug({ err, member: e.id }, 'cannot record member addresses') })
      }
      if (e.type === 'forget') this.connector?.forget(e.id)
      this.safeEmit('membership', e)
    }
  }

  /** History: the master's lease interval in wall-clock time, each time a renewal extends it. */
  private recordLease (now: number): void {
    const election = this.electionDriver!.election
    const epoch = election.orderEpoch(now)
    if (epoch == null) return
    const until = Date.now() + (election.status(now).master?.leaseRemainingMs ?? 0)
    if (until - this.recordedLeaseUntil < 100) return
    this.recordedLeaseUntil = until
    this.history.record({ type: 'lease', epoch, leaseUntil: Math.round(until) })
  }

  private onElectionEvents (events: ElectionEvent[]): void {
    let roleChanged = false
    for (const e of events) {
      if (e.type === 'elected') this.history.record({ type: 'elected', epoch: e.term, leaseUntil: Math.round(Date.now() + e.leaseRemainingMs) })
      if (e.type === 'lost-lease' || e.type === 'stepped-down') this.history.record({ type: e.type, epoch: e.term })
      this.log.info({ event: e.type, ...e }, `election: ${e.type}`)
      if (['elected', 'epoch-raised', 'lost-lease', 'stepped-down', 'new-master', 'voters-agreed', 'voter-added', 'voter-removed'].includes(e.type)) roleChanged = true
      this.safeEmit('election', e)
    }
    if (!roleChanged) return
    // Tell everyone at once rather than at the next heartbeat.
    void this.membership?.publish()
    // Let this node's task ledgers follow a new master now, not at a follower's next (slower)
    // tick; after the current flush, which may be the task driver's own.
    queueMicrotask(() => { this.tasks?.tick() })
    // A node that just became a voter (or a voter-to-be) must not wait out a follower's tick.
    if (this.ticker !== undefined && tickIntervalMs(this.id, this.electionDriver!.election.voterSets()) < this.tickEveryMs) {
      clearTimeout(this.ticker)
      this.scheduleTick()
    }
  }
}


function toPolicy (p: ResolvedNodeOptions['placement']): PlacementPolicy {
  return typeof p === 'function' ? customPolicy(p) : createPolicy(p)
}

async function readSwarmKey (path: string): Promise<Uint8Array> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err: any) {
    throw new Error(`cannot read cluster secret ${path}: ${err?.code === 'ENOENT' ? 'no such file (create one with `mcp-cluster secret generate > cluster.key`)' : err?.message ?? err}`)
  }
  if (!/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}\s*$/i.test(new TextDecoder().decode(bytes))) {
    throw new Error(`cluster secret ${path} is not a swarm key (expected the format written by \`mcp-cluster secret generate\`)`)
  }
  return bytes
}

function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
