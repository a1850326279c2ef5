// Runs the task state machines over the task stream: the submitter ledger and the worker
// ledger on every node, and the master's task table while (and only while) this node holds
// the lease. Messages to this node itself are delivered in-process; the rest are batched per
// peer into frames. Orders leave only after a fresh lease check, so a master that lost its
// lease (a pause, a partition) sends nothing; workers fence what slips through anyway.
import { createHash, randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { Election } from '../core/election/election.js'
import type { NodeId } from '../core/types.js'
import { SubmitterLedger, type Settlement } from '../core/tasks/submitter.js'
import { WorkerLedger, type AbortCommand, type StartCommand } from '../core/tasks/worker.js'
import { TaskTable } from '../core/tasks/table.js'
import { FifoMap } from '../core/tasks/fifo-map.js'
import { foldAccepted } from '../core/tasks/fold.js'
import { createScheduler } from '../core/tasks/scheduler-port.js'
import type { Outgoing, TaskMessage } from '../core/tasks/messages.js'
import { zeroCounters, type TableCounters, type TaskView, type WorkerInfo, type TableSnapshot, type TaskState, type TaskSummary } from '../core/tasks/table-types.js'
import type { JsonValue, TaskOutcome, TaskSpec } from '../core/tasks/types.js'
import type { PlacementPolicy } from '../core/scheduler/policy.js'
import { decodeTaskFrame, MAX_CACHE_TTL_MS, packTaskFrames, taskSpecProblem } from '../wire/tasks.js'
import type { PeerChannels } from '../net/peer-channels.js'
import type { Clock } from './clock.js'
import type { EventSink } from '../observability/event-log.js'
import { TaskError, type HandlerOptions, type SubmitOptions, type TaskHandler, type TaskResult } from './task-api.js'
import { LogThrottle, PeerRateLimiter } from '../core/tasks/rate-limit.js'
import { canonicalJson } from '../core/cache/canonical-json.js'
import type { CacheStatus } from './status.js'
import type { TaskObserver } from '../observability/metrics.js'
import { timedScheduler } from '../observability/timed-scheduler.js'

export interface TaskDriverOptions {
  selfId: NodeId
  clock: Clock
  log: Logger
  election: Election
  slots: number
  maxPayloadBytes: number
  /** Tasks per second the master accepts from one submitting node (a burst of one second's worth). */
  maxSubmitRate: number
  /** Bound of this node's result cache (0 turns it off). */
  cacheMaxBytes: number
  submitTimeoutMs: number
  maxQueue: number
  masterTasks: boolean
  policy: PlacementPolicy
  /**
   * The workers the master may place on: alive members and this node. With `connectedOnly`,
   * only those with a live connection: a new master waits for reports only from workers that
   * can answer now (a crashed master's connections close at once, while membership still
   * calls it alive until deadMs).
   */
  workers: (connectedOnly?: boolean) => WorkerInfo[]
  history: EventSink
  /**
   * Fault injection for chaos tests only: keep acting as master after the lease runs out,
   * like a master whose clock lies, so that tests can show workers fencing its orders.
   */
  faultIgnoreLease?: boolean
  /** Called after orders were checked against the fencing guard, so its epoch is persisted at once. */
  afterOrderCheck?: () => void
  /** Metrics: counts and timings as tasks flow. */
  metrics?: TaskObserver
}

interface Waiter { promise: Promise<TaskResult>, resolve: (r: TaskResult) => void }

/** Results of tasks this node submitted, kept for GET /tasks/:id. */
const RECENT_RESULTS = 10_000

export class TaskDriver {
  private readonly submitter: SubmitterLedger
  private readonly worker: WorkerLedger
  private table: TaskTable | null = null
  private channels?: PeerChannels
  private readonly handlers = new Map<string, TaskHandler>()
  /** The worker ledger reads this object: adding a key registers the type. */
  private readonly handlerLimits: Record<string, HandlerOptions> = {}
  private readonly running = new Map<string, LazyAbort>()
  private readonly waiters = new Map<string, Waiter>()
  private readonly recent = new FifoMap<string, TaskResult>()
  private knownMaster: { id: NodeId | null, epoch: number } = { id: null, epoch: -1 }
  private flushScheduled = false
  private stopped = false
  private flushing = false
  /** Messages for other nodes produced by the current flush, sent together at its end. */
  private readonly remote = new Map<NodeId, TaskMessage[]>()
  private seq = 0
  private readonly idPrefix: string
  private readonly submitLimit: PeerRateLimiter
  /** One line per peer and kind per 10 s for what a broken or hostile peer may repeat endlessly. */
  private readonly peerLogs = new LogThrottle(10_000)
  /** Counters of the tables this node held in earlier terms: metrics count across terms. */
  private readonly pastCounters = zeroCounters()

  constructor (private readonly o: TaskDriverOptions) {
    this.submitter = new SubmitterLedger(o.selfId, { submitTimeoutMs: o.submitTimeoutMs })
    // Results obey the payload limit: a larger one would be refused by the master's decoder.
    this.worker = new WorkerLedger({ slots: o.slots, handlers: this.handlerLimits, cacheMaxBytes: o.cacheMaxBytes, maxResultBytes: o.maxPayloadBytes }, (epoch, from) => o.election.admitOrder(epoch, from))
    this.submitLimit = new PeerRateLimiter({ ratePerSec: o.maxSubmitRate, burst: o.maxSubmitRate })
    this.idPrefix = `${o.selfId.slice(-6)}-${randomBytes(3).toString('hex')}`
  }

  attach (channels: PeerChannels): void { this.channels = channels }

  get handledTypes (): string[] { return [...this.handlers.keys()].sort() }
  get runningCount (): number { return this.running.size }
  get isMasterTable (): boolean { return this.table != null }

  handle (type: string, fn: TaskHandler, opts: HandlerOptions = {}): void {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(type)) throw new TypeError(`task type "${type}" must be 1-64 characters of A-Z a-z 0-9 _ . : -`)
    if (opts.concurrency != null && !(Number.isInteger(opts.concurrency) && opts.concurrency >= 1)) throw new TypeError('concurrency must be an integer >= 1')
    this.handlers.set(type, fn)
    this.handlerLimits[type] = opts.concurrency != null ? { concurrency: opts.concurrency } : {}
  }

  /**
   * Submit; `result` settles with the final result (it never rejects: the result says how it
   * ended). Throws at once for invalid options or a full local queue.
   */
  enqueue (type: string, payload: JsonValue, opts: SubmitOptions = {}): { id: string, result: Promise<TaskResult> } {
    const spec = this.buildSpec(type, payload, opts)
    const existing = this.waiters.get(spec.id)
    if (existing != null) return { id: spec.id, result: existing.promise }
    const done = this.recent.get(spec.id)
    if (done != null) return { id: spec.id, result: Promise.resolve(done) }
    // Refused here with the reason, rather than dropped with its whole frame by the master's decoder.
    const problem = taskSpecProblem(spec, this.o.maxPayloadBytes)
    if (problem !== null) throw new TypeError(`invalid task: ${problem}`)
    const r = this.submitter.submit(spec, this.o.clock.now())
    if (!r.ok) throw new TaskError(r.code, r.reason, spec.id)
    this.o.metrics?.submitted()
    let resolve!: (r: TaskResult) => void
    const promise = new Promise<TaskResult>((res) => { resolve = res })
    this.waiters.set(spec.id, { promise, resolve })
    this.scheduleFlush()
    return { id: spec.id, result: promise }
  }

  cancel (id: string): boolean {
    const ok = this.submitter.cancel(id)
    if (ok) this.scheduleFlush()
    return ok
  }

  /** What this node knows of a task: the master's full record, or this submitter's result. */
  task (id: string): { view?: TaskView, result?: TaskResult, pending: boolean } | undefined {
    const view = this.table?.task(id)
    const result = this.recent.get(id)
    const pending = this.waiters.has(id)
    if (view == null && result == null && !pending) return undefined
    return { ...(view != null ? { view } : {}), ...(result != null ? { result } : {}), pending }
  }

  tableSnapshot (): TableSnapshot | null { return this.table?.snapshot() ?? null }
  /** The master's task list (see TaskTable.list); null on a node that is not the master. */
  listTasks (filter?: TaskState, limit?: number): TaskSummary[] | null { return this.table?.list(filter, limit) ?? null }
  workerSnapshot (): ReturnType<WorkerLedger['snapshot']> { return this.worker.snapshot() }
  /** This node's result cache, and on the master its index of holders: for /status and metrics. */
  cacheStats (): CacheStatus {
    const table = this.table?.totals().cache
    return { ...this.worker.cacheStats(), index: table == null ? null : { keys: table.keys, holdings: table.holdings }, waiting: table?.waiting ?? 0 }
  }

  /** For metrics: the master's counters over every term this node held the table, and what waits. */
  totals (): { counters: TableCounters, queueLength: number, running: number, awaitingResults: number } {
    const snap = this.table?.totals()
    const counters = { ...this.pastCounters }
    if (snap != null) addCounters(counters, snap.counters)
    return { counters, queueLength: snap?.queueLength ?? 0, running: this.running.size, awaitingResults: this.waiters.size }
  }

  readonly onFrame = (from: string, frame: Uint8Array): void => {
    if (this.stopped) return
    const decoded = decodeTaskFrame(frame, { maxPayloadBytes: this.o.maxPayloadBytes })
    if (!decoded.ok) {
      this.logPeer('warn', from, 'malformed', { from, reason: decoded.reason }, 'dropped malformed task frame')
      return
    }
    this.deliver(from, decoded.value)
    this.scheduleFlush()
  }

  /** A member died (or restarted): the master re-places what it ran. */
  workerGone (id: NodeId): void {
    this.table?.workerDead(id, this.o.clock.now())
    this.scheduleFlush()
  }

  tick (): void {
    if (this.stopped) return
    const now = this.o.clock.now()
    this.followElection(now)
    this.submitter.tick(now)
    this.worker.tick(now)
    if (this.table != null) {
      this.table.setWorkers(this.o.workers(), now)
      this.table.tick(now)
    }
    this.flush()
  }

  /** Stop: abort running handlers; unsettled submissions fail. */
  stop (): void {
    this.stopped = true
    for (const ac of this.running.values()) ac.abort(new Error('node stopping'))
    this.running.clear()
    for (const [id, w] of this.waiters) w.resolve({ id, ok: false, error: { code: 'node-stopped', message: 'the submitting node stopped before the task finished' }, attempts: 0, node: null, durationMs: 0 })
    this.waiters.clear()
    this.table = null
  }

  private followElection (now: number): void {
    const e = this.o.election
    const status = e.status(now)
    const m = status.master
    // A master seen again after its lease briefly lapsed in our view (a late announcement on a
    // busy machine) is not news: only a different master or epoch makes the ledgers re-send.
    const id = m?.id ?? this.knownMaster.id
    const epoch = m?.epoch ?? this.knownMaster.epoch
    if (id !== this.knownMaster.id || epoch !== this.knownMaster.epoch) {
      this.knownMaster = { id, epoch }
      this.submitter.masterChanged(id, epoch, now)
      this.worker.masterChanged(id, epoch, now)
    }
    const orderEpoch = this.leaseEpoch(now)
    if (orderEpoch != null && this.table?.epoch !== orderEpoch) {
      this.retireTable()
      const scheduler = createScheduler({ policy: this.o.policy, allowMasterTasks: this.o.masterTasks, maxQueue: this.o.maxQueue })
      const metrics = this.o.metrics
      this.table = new TaskTable({
        epoch: orderEpoch,
        now,
        workers: this.o.workers(true),
        scheduler: metrics == null ? scheduler : timedScheduler(scheduler, () => this.o.clock.now(), (ms) => { metrics.placed(ms) }),
        params: { maxLive: this.o.maxQueue }
      })
      this.o.log.info({ epoch: orderEpoch }, 'master: task table created, reconciling with workers')
    } else if (orderEpoch == null && this.table != null) {
      this.o.log.info({ epoch: this.table.epoch }, 'no longer master: task table dropped')
      this.retireTable()
      this.table = null
    }
  }

  private retireTable (): void {
    if (this.table != null) addCounters(this.pastCounters, this.table.totals().counters)
  }

  /** The epoch this node may give orders at now, or null: the lease decides. */
  private leaseEpoch (now: number): number | null {
    const epoch = this.o.election.orderEpoch(now)
    if (epoch == null && this.o.faultIgnoreLease === true && this.table != null) return this.table.epoch
    return epoch
  }

  private deliver (from: NodeId, msgs: TaskMessage[]): void {
    const now = this.o.clock.now()
    this.submitter.receive(from, msgs, now)
    this.worker.receive(from, msgs, now)
    if (msgs.some(m => m.kind === 'assign' || m.kind === 'abort' || m.kind === 'sync')) this.o.afterOrderCheck?.()
    if (this.table != null) {
      this.table.receive(from, this.withinSubmitRate(this.table, from, msgs, now), now)
    } else {
      // Not the master: say so, so that the submitter re-sends to the real one.
      const replies: Outgoing[] = msgs.flatMap(msg => msg.kind !== 'submit'
        ? []
        : msg.tasks.map(t => ({ to: from, msg: { kind: 'rejected' as const, id: t.id, code: 'not-master' as const, reason: 'this node is not the master' } })))
      if (replies.length > 0) this.send(replies)
    }
  }

  /**
   * The master's per-node submission limit. Tasks over it are refused one by one with a reason
   * the caller sees, never dropped; a task the table already holds (a re-send) is no new work.
   */
  private withinSubmitRate (table: TaskTable, from: NodeId, msgs: TaskMessage[], now: number): TaskMessage[] {
    let wanted = 0
    for (const m of msgs) if (m.kind === 'submit') wanted += m.tasks.length
    if (wanted === 0) return msgs
    let allowed = this.submitLimit.take(from, wanted, now)
    if (allowed === wanted) return msgs
    const rate = this.o.maxSubmitRate
    const reason = `rate-limited: this node submitted more than ${rate} tasks per second to the master (--max-submit-rate ${rate}); submit more slowly`
    const refused: Outgoing[] = []
    const admitted = msgs.map((m): TaskMessage => m.kind !== 'submit'
      ? m
      : {
          kind: 'submit',
          tasks: m.tasks.filter(t => {
            if (allowed > 0) { allowed--; return true }
            if (table.has(t.id)) return true
            refused.push({ to: from, msg: { kind: 'rejected', id: t.id, code: 'queue-full', reason } })
            return false
          })
        })
    this.logPeer('warn', from, 'rate', { from, refused: refused.length, maxSubmitRate: rate }, 'submissions over the rate limit refused')
    this.send(refused)
    return admitted
  }

  private logPeer (level: 'info' | 'warn', peer: NodeId, what: string, fields: object, msg: string): void {
    const held = this.peerLogs.fields(`${what} ${peer}`, this.o.clock.now())
    if (held !== null) this.o.log[level]({ ...fields, ...held }, msg)
  }

  scheduleFlush (): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    // One flush per event-loop turn: completions and frames that arrive together leave together.
    setImmediate(() => {
      this.flushScheduled = false
      if (this.stopped) return
      try {
        this.flush()
      } catch (err) {
        // A bug or an I/O error here must not crash the node; the next input flushes again.
        this.o.log.error({ err }, 'task flush failed')
      }
    })
  }

  private flush (): void {
    this.flushing = true
    try {
      this.flushRounds()
    } finally {
      this.flushing = false
    }
  }

  private flushRounds (): void {
    for (let round = 0; round < 32; round++) {
      const now = this.o.clock.now()
      const out: Outgoing[] = []
      if (this.table != null) {
        if (this.leaseEpoch(now) !== this.table.epoch) {
          this.followElection(now) // the lease ran out: drop the table and its unsent orders
        } else {
          const r = this.table.ready()
          out.push(...r.messages)
          for (const e of r.events) this.onTableEvent(e)
          this.table.advance()
        }
      }
      const s = this.submitter.ready()
      out.push(...s.messages)
      const settlements = s.settlements
      this.submitter.advance()
      const w = this.worker.ready()
      // Before taking the worker's messages: a handler that returns at once puts its done in
      // this batch, which then replaces the ack.
      for (const a of w.aborts) this.abort(a)
      for (const st of w.starts) this.start(st)
      out.push(...this.worker.ready().messages)
      this.worker.advance()
      for (const e of w.events) {
        if (e.type === 'accepted') {
          this.o.history.record({ type: 'order-accepted', epoch: e.epoch, from: e.from, ids: e.ids })
          continue
        }
        // A refused order repeats for as long as its sender keeps sending: log it once in a while.
        if (e.type === 'fenced') this.logPeer('info', e.from, 'fenced', { ...e }, 'worker: fenced')
        else this.o.log.info({ ...e }, `worker: ${e.type}`)
        if (e.type === 'fenced') this.o.history.record({ type: 'order-refused', epoch: e.epoch, from: e.from, reason: e.reason, kind: e.kind })
      }
      for (const st of settlements) this.settle(st)
      if (out.length === 0 || !this.send(out)) {
        this.sendRemote()
        return
      }
    }
    this.sendRemote()
    this.scheduleFlush() // a long cascade: finish it on the next turn
  }

  /** Queue remote messages for this turn's frames; deliver local ones. Returns true if anything was delivered locally. */
  private send (out: Outgoing[]): boolean {
    let local: TaskMessage[] | undefined
    for (const { to, msg } of out) {
      this.recordOutgoing(to, msg)
      if (to === this.o.selfId) {
        (local ??= []).push(msg)
        continue
      }
      let list = this.remote.get(to)
      if (list == null) this.remote.set(to, list = [])
      list.push(msg)
    }
    if (local != null) this.deliver(this.o.selfId, local)
    return local != null
  }

  /** Everything a flush produced for a peer, over all its rounds, leaves as one frame (when it fits). */
  private sendRemote (): void {
    for (const [peer, msgs] of this.remote) {
      const { frames, oversized } = packTaskFrames(foldAccepted(msgs))
      for (const f of frames) this.channels?.send(peer, f)
      if (oversized.length > 0) this.o.log.error({ peer, count: oversized.length }, 'task messages over the frame limit were not sent')
    }
    this.remote.clear()
  }

  private recordOutgoing (to: NodeId, msg: TaskMessage): void {
    const h = this.o.history
    if (msg.kind === 'assign') h.record({ type: 'assign-sent', epoch: msg.epoch, to, tasks: msg.tasks.map(t => [t.spec.id, t.attempt]) })
    else if (msg.kind === 'refuse') h.record({ type: 'order-refused', epoch: msg.epoch, from: to, reason: msg.reason, kind: 'assign' })
  }

  private onTableEvent (e: ReturnType<TaskTable['ready']>['events'][number]): void {
    if (e.type === 'failed' || e.type === 'timed-out' || e.type === 'worker-lost') this.o.metrics?.tableFailure(e)
    if (e.type === 'worker-lost') this.o.history.record({ type: 'worker-lost', node: e.node, requeued: e.requeued.length })
    else if (e.type === 'duplicate') this.o.log.warn({ ...e }, 'task ran more than once') // counted in the table's duplicatesSeen
    // Several events per task: build nothing (least of all a copy of the task's record) unless debug is on.
    else if (!this.o.log.isLevelEnabled('debug')) return
    else if (e.type === 'placed') this.o.log.debug({ ...e, decision: this.table?.task(e.id)?.attempts.at(-1)?.decision ?? null }, 'placement')
    else this.o.log.debug({ ...e }, `table: ${e.type}`)
  }

  private start (cmd: StartCommand): void {
    const { spec, attempt, epoch } = cmd
    const fn = this.handlers.get(spec.type)
    const ac = new LazyAbort()
    const began = this.o.clock.now()
    this.running.set(spec.id, ac)
    this.o.history.record({ type: 'task-start', id: spec.id, attempt, epoch })
    const finish = (outcome: TaskOutcome): void => {
      if (this.running.get(spec.id) !== ac) return // aborted meanwhile: the ledger already settled it
      this.running.delete(spec.id)
      // Only registered types: a type name from the network must not become a new metric label.
      if (fn != null) this.o.metrics?.ran(spec.type, outcome.ok, this.o.clock.now() - began)
      this.o.history.record({ type: 'task-end', id: spec.id, attempt, ok: outcome.ok, ...(outcome.ok ? {} : { code: outcome.error.code }) })
      this.worker.finished(spec.id, outcome, this.o.clock.now())
      if (!this.flushing) this.scheduleFlush() // inside a flush, its next round takes the done
    }
    const failed = (err: unknown): void => {
      finish({ ok: false, error: { code: 'handler-error', message: err instanceof Error ? err.message : String(err) } })
    }
    if (fn == null) {
      finish({ ok: false, error: { code: 'no-handler', message: `no handler for task type "${spec.type}" on this node` } })
      return
    }
    // Called right here, not in a later microtask: a handler that returns a plain value finishes
    // within this flush, so its done (and the master's result) leave in this turn's frames.
    let value: ReturnType<TaskHandler>
    try {
      value = fn(spec.payload, { id: spec.id, type: spec.type, attempt, epoch, get signal () { return ac.signal } })
    } catch (err) {
      failed(err)
      return
    }
    if (isPromiseLike(value)) {
      Promise.resolve(value).then((v) => { finish(toJsonOutcome(v)) }, failed)
        .catch((err: unknown) => { this.o.log.error({ err, id: spec.id }, 'recording a task outcome failed') })
    }
    else finish(toJsonOutcome(value))
  }

  private abort (cmd: AbortCommand): void {
    const ac = this.running.get(cmd.id)
    if (ac == null) return
    this.running.delete(cmd.id)
    ac.abort(new TaskError(cmd.reason === 'timeout' ? 'timeout' : 'cancelled', `task ${cmd.reason === 'timeout' ? 'timed out' : 'was cancelled'}`, cmd.id))
  }

  private settle (s: Settlement): void {
    const result: TaskResult = s.ok
      ? { id: s.id, ok: true, value: s.value, attempts: s.attempts, node: s.node, durationMs: s.durationMs }
      : { id: s.id, ok: false, error: s.error, attempts: s.attempts, node: s.node, durationMs: s.durationMs }
    if (s.cached === true) result.cached = true
    this.recent.set(s.id, result)
    if (this.recent.size > RECENT_RESULTS) this.recent.shift()
    this.o.metrics?.settled(result)
    const w = this.waiters.get(s.id)
    this.waiters.delete(s.id)
    w?.resolve(result)
  }

  private buildSpec (type: string, payload: JsonValue, o: SubmitOptions): TaskSpec {
    if (typeof type !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(type)) throw new TypeError(`task type must be 1-64 characters of A-Z a-z 0-9 _ . : -, got ${JSON.stringify(type)}`)
    const int = (name: string, v: number | undefined, def: number, min: number, max: number): number => {
      const x = v ?? def
      if (!Number.isInteger(x) || x < min || x > max) throw new TypeError(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`)
      return x
    }
    const { slots, cpus, memoryBytes, ...custom } = o.resources ?? {}
    const resources: Record<string, number> = {}
    for (const [k, v] of Object.entries(custom)) {
      if (v === undefined) continue
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TypeError(`resource "${k}" must be a finite number >= 0`)
      resources[k] = v
    }
    const id = o.id ?? `${this.idPrefix}-${++this.seq}`
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(id)) throw new TypeError('task id must be 1-128 characters of A-Z a-z 0-9 _ . : -')
    const spec: TaskSpec = {
      id,
      type,
      payload: payload ?? null,
      priority: int('priority', o.priority, 0, -1000, 1000),
      req: {
        slots: int('resources.slots', slots, 1, 1, 100_000),
        cpus: cpus ?? 0,
        memoryBytes: memoryBytes ?? 0,
        resources,
        constraints: { ...(o.constraints ?? {}) }
      },
      timeoutMs: int('timeoutMs', o.timeoutMs, 30_000, 1, 2_147_483_647),
      retries: int('retries', o.retries, 0, 0, 100),
      backoffMs: int('backoffMs', o.backoffMs, 200, 0, 86_400_000),
      submitter: this.o.selfId
    }
    if (o.cache !== undefined || o.cacheKey !== undefined || o.cacheTtlMs !== undefined) addCacheFields(spec, o)
    return spec
  }
}

/**
 * An AbortController made only when the handler reads its signal: most handlers never do, and
 * a controller per task is a measurable share of a short task's cost.
 */
class LazyAbort {
  private controller?: AbortController
  private reason?: unknown
  private aborted = false

  get signal (): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController()
      if (this.aborted) this.controller.abort(this.reason)
    }
    return this.controller.signal
  }

  abort (reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.controller?.abort(reason)
  }
}

/**
 * Marks a spec deterministic: an explicit cacheKey, or with `cache: true` the type and a SHA-256
 * of the payload's canonical JSON (key order does not matter), e.g. "echo:3q2-7w...".
 */
function addCacheFields (spec: TaskSpec, o: SubmitOptions): void {
  if (o.cache !== undefined && typeof o.cache !== 'boolean') throw new TypeError('cache must be true or false')
  if (o.cacheKey !== undefined && (typeof o.cacheKey !== 'string' || !/^[^\p{Cc}]{1,128}$/u.test(o.cacheKey))) {
    throw new TypeError('cacheKey must be 1-128 characters without control characters')
  }
  const key = o.cacheKey ?? (o.cache === true ? `${spec.type}:${createHash('sha256').update(canonicalJson(spec.payload)).digest('base64url')}` : undefined)
  if (o.cacheTtlMs !== undefined) {
    if (key === undefined) throw new TypeError('cacheTtlMs needs cache: true or a cacheKey')
    if (!Number.isInteger(o.cacheTtlMs) || o.cacheTtlMs < 1 || o.cacheTtlMs > MAX_CACHE_TTL_MS) throw new TypeError(`cacheTtlMs must be an integer in [1, ${MAX_CACHE_TTL_MS}], got ${String(o.cacheTtlMs)}`)
    spec.cacheTtlMs = o.cacheTtlMs
  }
  if (key !== undefined) spec.cacheKey = key
}

function addCounters (into: TableCounters, add: TableCounters): void {
  for (const k of Object.keys(into) as Array<keyof TableCounters>) into[k] += add[k]
}

function isPromiseLike (value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function'
}

function toJsonOutcome (value: unknown): TaskOutcome {
  if (value === undefined) return { ok: true, value: null }
  try {
    return { ok: true, value: JSON.parse(JSON.stringify(value)) as JsonValue }
  } catch (err) {
    return { ok: false, error: { code: 'bad-result', message: `handler returned a value that is not JSON: ${err instanceof Error ? err.message : String(err)}` } }
  }
}
