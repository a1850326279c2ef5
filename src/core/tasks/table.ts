// The master's task table: one per term. It owns every task's lifecycle
//   queued -> placed -> running -> done | failed | cancelled
// dedups submissions by id, places through the scheduler, retries with back-off, re-queues the
// tasks of dead workers, and after a failover first asks the workers what they run (reconciling)
// so that nothing they report is placed a second time.
import type { Epoch, Millis, NodeId } from '../types.js'
import type { PendingTask, PlacementDecision, WorkerState } from '../scheduler/types.js'
import type { AttemptOrder, DoneMessage, ReportMessage, ResultMessage, RunningEntry, TaskMessage } from './messages.js'
import type { TaskFailure, TaskId, TaskOutcome, TaskSpec } from './types.js'
import { FifoMap } from './fifo-map.js'
import { Outbox } from './outbox.js'
import { PlacedLedger } from './placed.js'
import { taskView } from './table-view.js'
import { createScheduler, type TaskScheduler } from './scheduler-port.js'
import { chunkBySize, jsonBytes, MESSAGE_MAX_ITEMS } from './size.js'
import { CacheIndex } from '../cache/cache-index.js'
import { SingleFlight } from '../cache/single-flight.js'
import {
  defaultTableParams, TASK_STATES, zeroCounters,
  type AttemptOutcome, type AttemptRecord, type TableCounters, type TableEvent, type TableParams,
  type TableReady, type TableSnapshot, type TaskRecord, type TaskState, type TaskSummary, type TaskView, type WorkerInfo
} from './table-types.js'

export interface TaskTableInit {
  epoch: Epoch
  now: Millis
  /** The alive workers when this node became master: each is asked to report before placing. */
  workers: WorkerInfo[]
  params?: Partial<TableParams>
  /** Defaults to the real scheduler (least-loaded policy) with a queue bounded by maxLive. */
  scheduler?: TaskScheduler
}

export class TaskTable {
  readonly epoch: Epoch
  private readonly params: TableParams
  private readonly scheduler: TaskScheduler
  private phase: 'reconciling' | 'active' = 'reconciling'
  private readonly awaiting: Set<NodeId>
  private readonly reported: NodeId[] = []
  private readonly reconcileDeadline: Millis
  private readonly workers = new Map<NodeId, WorkerInfo>()
  private readonly records = new Map<TaskId, TaskRecord>()
  /** Queued tasks waiting out a back-off, not yet in the scheduler's queue. */
  private readonly delayed = new Set<TaskId>()
  /** Placed or running tasks: the only ones with a deadline. */
  private readonly inFlight = new Set<TaskId>()
  private readonly onNode = new Map<NodeId, Set<TaskId>>()
  /** Finished ids in finishing order (oldest first), for retention. */
  private readonly finished = new FifoMap<TaskId, Millis>()
  private readonly placed = new PlacedLedger()
  private readonly counters: TableCounters = zeroCounters()
  /** Which worker holds which cached result: placement prefers a holder. */
  private readonly cacheIndex = new CacheIndex()
  /** Live tasks per cache key, and the identical tasks waiting for them. */
  private readonly flights = new SingleFlight()
  private liveCount = 0
  private seq = 0
  /** Sent on the next tick, one message per worker, after the results they vouch for went out. */
  private doneAcks = new Map<NodeId, TaskId[]>()
  private readonly outbox = new Outbox<{ events: TableEvent[] }>(() => ({ events: [] }))

  constructor (init: TaskTableInit) {
    this.epoch = init.epoch
    this.params = { ...defaultTableParams, ...init.params }
    this.scheduler = init.scheduler ?? createScheduler({ maxQueue: this.params.maxLive })
    for (const w of init.workers) this.workers.set(w.id, w)
    this.awaiting = new Set(this.workers.keys())
    this.reconcileDeadline = init.now + this.params.reconcileTimeoutMs
    for (const id of this.awaiting) this.outbox.send(id, { kind: 'sync', epoch: this.epoch })
    this.maybeEndReconcile(init.now)
  }

  receive (from: NodeId, msgs: readonly TaskMessage[], now: Millis): void {
    for (const msg of msgs) {
      switch (msg.kind) {
        case 'submit': this.onSubmit(from, msg.tasks, now); break
        case 'cancel': this.onCancel(from, msg.id, now); break
        case 'ack': if (msg.epoch === this.epoch) this.onAck(from, msg.ids, now); break
        case 'refuse': if (msg.epoch === this.epoch) this.onRefuse(from, msg.id, msg.reason, msg.fenced === true, now); break
        case 'done': this.onDone(from, msg, now); break
        case 'report': if (msg.epoch === this.epoch) this.onReport(from, msg, now); break
        default: break // not addressed to the master role
      }
    }
    this.place(now)
  }

  /** The alive workers as membership sees them now (capacity, load, handlers). */
  setWorkers (workers: readonly WorkerInfo[], now: Millis): void {
    this.workers.clear()
    for (const w of workers) this.workers.set(w.id, w)
    this.place(now)
  }

  /** Membership declared the node dead: whatever it was running is re-queued at once. */
  workerDead (node: NodeId, now: Millis): void {
    this.workers.delete(node)
    this.awaiting.delete(node)
    const requeued: TaskId[] = []
    for (const id of [...this.onNode.get(node) ?? []]) {
      const rec = this.records.get(id)
      const att = rec?.current
      if (rec === undefined || att === undefined || att === null || att.node !== node) continue
      att.superseded = true
      this.counters.duplicatesRisked++
      this.endAttempt(rec, att, 'worker-lost', `worker ${node} died`, now)
      rec.losses++
      rec.avoid.add(node)
      if (rec.losses > this.params.maxWorkerLosses) {
        this.finish(rec, 'failed', { ok: false, error: { code: 'worker-lost', message: `the worker running it died ${rec.losses} times (last: ${node})` } }, { node, attempt: att.attempt, durationMs: 0 }, now)
      } else {
        this.counters.retried++
        requeued.push(id)
        this.requeue(rec, now, now)
      }
    }
    this.placed.drop(node)
    this.cacheIndex.dropNode(node)
    this.outbox.out.events.push({ type: 'worker-lost', node, requeued })
    this.maybeEndReconcile(now)
    this.place(now)
  }

  tick (now: Millis): void {
    this.maybeEndReconcile(now)
    for (const id of this.delayed) {
      const rec = this.records.get(id)
      if (rec === undefined || rec.notBefore > now) continue
      this.delayed.delete(id)
      this.enqueue(rec, now)
    }
    for (const id of [...this.inFlight]) {
      const rec = this.records.get(id)
      if (rec !== undefined && rec.deadline <= now) this.attemptTimedOut(rec, now)
    }
    for (let id = this.finished.oldest(); id !== undefined; id = this.finished.oldest()) {
      if (now - (this.finished.get(id) as Millis) < this.params.retentionMs) break // finishing order: the rest are younger
      this.forget(id)
    }
    this.flushDoneAcks()
    this.place(now)
  }

  ready (): TableReady {
    return this.outbox.ready()
  }

  advance (): void {
    this.outbox.advance()
  }

  get reconciling (): boolean {
    return this.phase === 'reconciling'
  }

  snapshot (): TableSnapshot {
    const states = Object.fromEntries(TASK_STATES.map(s => [s, 0])) as Record<TaskState, number>
    for (const rec of this.records.values()) states[rec.state]++
    return {
      epoch: this.epoch,
      phase: this.phase,
      ...this.totals(),
      states,
      placed: Object.fromEntries(this.placed.nodes().map(node => [node, this.placed.get(node)])),
      awaitingReports: [...this.awaiting].sort()
    }
  }

  /** The part of the snapshot that needs no walk over the records: metrics read it every second. */
  totals (): Pick<TableSnapshot, 'counters' | 'queueLength' | 'cache'> {
    return {
      counters: { ...this.counters },
      queueLength: this.scheduler.size + this.delayed.size,
      cache: { ...this.cacheIndex.stats(), waiting: this.flights.size.waiting }
    }
  }

  has (id: TaskId): boolean {
    return this.records.has(id)
  }

  task (id: TaskId): TaskView | undefined {
    const rec = this.records.get(id)
    return rec === undefined ? undefined : taskView(rec)
  }

  /** The `limit` most recently submitted tasks (oldest first), only those in state `filter` if given. */
  list (filter?: TaskState, limit = 1000): TaskSummary[] {
    const matching: TaskRecord[] = []
    for (const rec of this.records.values()) if (filter === undefined || rec.state === filter) matching.push(rec)
    return matching.slice(Math.max(0, matching.length - limit)).map(rec => ({
      id: rec.id,
      state: rec.state,
      type: rec.spec?.type ?? null,
      attempts: rec.lastAttempt,
      node: rec.current?.node ?? rec.result?.node ?? null
    }))
  }

  // ---- inputs

  private onSubmit (from: NodeId, specs: readonly TaskSpec[], now: Millis): void {
    const accepted: TaskId[] = []
    let workers: WorkerState[] | undefined
    for (const spec of specs) {
      const known = this.records.get(spec.id)
      if (known !== undefined) {
        // Dedup by id: a finished task answers with its result, a live one is simply confirmed.
        if (known.result !== null) this.outbox.send(from, known.result)
        else accepted.push(spec.id)
        continue
      }
      if (spec.submitter !== from) {
        this.reject(from, spec.id, 'invalid', `task names submitter ${spec.submitter} but came from ${from}`)
        continue
      }
      if (this.liveCount >= this.params.maxLive) {
        this.reject(from, spec.id, 'queue-full', `the master holds ${this.liveCount} unfinished tasks (limit ${this.params.maxLive})`)
        continue
      }
      const rec = this.newRecord(spec, now)
      workers ??= this.workerStates()
      const pending = this.pendingOf(rec, now)
      const fit = this.scheduler.canEverFit(pending, workers)
      if (!fit.ok) {
        this.reject(from, spec.id, 'no-eligible-node', fit.reason)
        continue
      }
      const key = flightKey(spec)
      const leader = key === undefined ? undefined : this.flights.leaderOf(key)
      if (leader !== undefined) {
        // An identical task is live: share its result instead of running the handler again.
        this.flights.wait(key as string, rec.id)
        rec.deferReason = `waiting for identical task ${leader} (same cache key)`
      } else {
        const pushed = this.scheduler.enqueue(pending)
        if (!pushed.ok) {
          this.reject(from, spec.id, 'queue-full', pushed.reason)
          continue
        }
        if (key !== undefined) this.flights.lead(key, rec.id)
      }
      this.records.set(rec.id, rec)
      this.liveCount++
      this.counters.submitted++
      accepted.push(spec.id)
    }
    for (let i = 0; i < accepted.length; i += MESSAGE_MAX_ITEMS) {
      this.outbox.send(from, { kind: 'accepted', ids: accepted.slice(i, i + MESSAGE_MAX_ITEMS) })
    }
  }

  private onCancel (from: NodeId, id: TaskId, now: Millis): void {
    const rec = this.records.get(id)
    if (rec === undefined || rec.result !== null || rec.submitter !== from) return
    const att = rec.current
    if (att !== null) {
      this.outbox.send(att.node, { kind: 'abort', epoch: this.epoch, id })
      this.endAttempt(rec, att, 'cancelled', 'cancelled by its submitter', now)
    }
    this.finish(rec, 'cancelled', { ok: false, error: { code: 'cancelled', message: `task ${id} was cancelled by its submitter` } }, null, now)
  }

  private onAck (from: NodeId, ids: readonly TaskId[], now: Millis): void {
    for (const id of ids) {
      const rec = this.records.get(id)
      const att = rec?.current
      if (rec === undefined || att === undefined || att === null || att.node !== from || rec.state !== 'placed') continue
      rec.state = 'running'
      att.startedAt = now
      rec.refusals = 0
    }
  }

  private onRefuse (from: NodeId, id: TaskId, reason: string, fenced: boolean, now: Millis): void {
    const rec = this.records.get(id)
    const att = rec?.current
    if (rec === undefined || att === undefined || att === null || att.node !== from || rec.state !== 'placed') return
    this.counters.refused++
    this.outbox.out.events.push({ type: 'refused', id, node: from, reason })
    this.endAttempt(rec, att, 'refused', reason, now)
    // Fenced: this table is stale, not the task. Failing it here would send its submitter a
    // verdict from a deposed master; keep it, and the submitter re-sends it to the new one.
    if (fenced) {
      this.requeue(rec, now + this.params.refuseBackoffMs, now)
      return
    }
    rec.refusals++
    rec.avoid.add(from)
    if (rec.refusals > this.params.maxRefusals) {
      this.finish(rec, 'failed', { ok: false, error: { code: 'refused', message: `refused ${rec.refusals} times in a row; last by ${from}: ${reason}` } }, null, now)
      return
    }
    this.requeue(rec, now + this.params.refuseBackoffMs, now)
  }

  private onDone (from: NodeId, done: DoneMessage, now: Millis): void {
    // Acknowledge every done: from here on this table (or its result message) is responsible for it.
    this.queueDoneAck(from, done.id)
    if (done.cacheEvicted !== undefined) for (const key of done.cacheEvicted) this.cacheIndex.remove(key, from)
    const rec = this.records.get(done.id)
    if (done.cacheHeld === true && rec?.spec?.cacheKey !== undefined) this.noteHolder(rec.spec.cacheKey, rec.spec.cacheTtlMs, from, done.cached === true, now)
    if (rec === undefined) {
      this.adoptResult(from, done, now)
      return
    }
    const att = rec.attempts.find(a => a.attempt === done.attempt && a.node === from)
    if (att?.doneReceived === true) return // a re-send
    if (att !== undefined && att === rec.current) {
      att.doneReceived = true
      // A worker whose task finished before its ack left sends the done alone: it implies the ack.
      if (att.startedAt === null) {
        att.startedAt = Math.max(att.placedAt ?? now, now - done.durationMs)
        rec.refusals = 0
      }
      this.currentAttemptDone(rec, att, done, now)
      return
    }
    // Not the live attempt: one we gave up on, or one ordered by a previous master.
    const ranTwice = att !== undefined ? att.superseded : this.ranElsewhere(rec, from)
    if (att !== undefined) att.doneReceived = true
    else this.recordForeignAttempt(rec, from, done.attempt, done.epoch, now, { done })
    if (ranTwice) {
      this.counters.duplicatesSeen++
      this.outbox.out.events.push({ type: 'duplicate', id: rec.id, node: from, attempt: done.attempt })
    }
    if (done.ok && rec.result === null) {
      this.overtake(rec, from, now)
      this.finish(rec, 'done', { ok: true, value: done.value }, { node: from, attempt: done.attempt, durationMs: done.durationMs, cached: done.cached }, now)
    }
  }

  /**
   * `node` holds the result of `key`. A fresh result lives `ttl` from now; a result served from
   * the cache is older, so a holder already known keeps its expiry (a new one, learned after a
   * failover, gets an expiry that may be late: at worst one miss).
   */
  private noteHolder (key: string, ttl: number | undefined, node: NodeId, servedFromCache: boolean, now: Millis): void {
    if (servedFromCache && this.cacheIndex.has(key, node)) return
    this.cacheIndex.add(key, node, ttl === undefined ? Number.POSITIVE_INFINITY : now + ttl)
  }

  private onReport (from: NodeId, report: ReportMessage, now: Millis): void {
    for (const entry of report.running) this.adoptRunning(from, entry, now)
    for (const done of report.finished) this.onDone(from, done, now)
    if (report.more) return
    if (this.awaiting.delete(from)) this.reported.push(from)
    this.maybeEndReconcile(now)
  }

  // ---- attempts

  private currentAttemptDone (rec: TaskRecord, att: AttemptRecord, done: DoneMessage, now: Millis): void {
    const by: FinishedBy = { node: att.node, attempt: att.attempt, durationMs: done.durationMs, cached: done.cached }
    if (done.ok) {
      this.endAttempt(rec, att, 'ok', done.cached === true ? 'answered from its result cache' : null, now)
      this.finish(rec, 'done', { ok: true, value: done.value }, by, now)
      return
    }
    if (done.timedOut) this.counters.timedOut++
    this.endAttempt(rec, att, done.timedOut ? 'timeout' : 'error', done.error.message, now)
    this.attemptFailed(rec, done.error, by, now)
  }

  /** The master-side deadline passed without a result: the worker or the messages are lost. */
  private attemptTimedOut (rec: TaskRecord, now: Millis): void {
    const att = rec.current
    if (att === null) return
    const limit = (rec.spec?.timeoutMs ?? 0) + this.params.graceMs
    att.superseded = true
    this.counters.duplicatesRisked++
    this.counters.timedOut++
    this.outbox.out.events.push({ type: 'timed-out', id: rec.id, node: att.node, attempt: att.attempt })
    this.outbox.send(att.node, { kind: 'abort', epoch: this.epoch, id: rec.id })
    this.endAttempt(rec, att, 'timeout', `no result from ${att.node} within ${limit} ms`, now)
    this.attemptFailed(rec, { code: 'timeout', message: `attempt ${att.attempt} on ${att.node} gave no result within ${limit} ms` }, { node: att.node, attempt: att.attempt, durationMs: 0 }, now)
  }

  /** A handler error or time-out: retry after exponential back-off while retries remain. */
  private attemptFailed (rec: TaskRecord, error: TaskFailure, by: FinishedBy, now: Millis): void {
    const spec = rec.spec
    rec.failures++
    rec.avoid.add(by.node)
    if (spec === null || rec.failures > spec.retries) {
      this.finish(rec, 'failed', { ok: false, error }, by, now)
      return
    }
    const backoff = Math.min(this.params.maxBackoffMs, spec.backoffMs * 2 ** (rec.failures - 1))
    this.counters.retried++
    this.outbox.out.events.push({ type: 'retry', id: rec.id, attempt: rec.lastAttempt + 1, reason: `${error.code}: ${error.message}`, notBefore: now + backoff })
    this.requeue(rec, now + backoff, now)
  }

  private startAttempt (rec: TaskRecord, attempt: number, node: NodeId, epoch: Epoch, decision: PlacementDecision | null, now: Millis, startedAt: Millis | null): AttemptRecord {
    // A node answering from its cache uses no room: nothing is counted against it.
    const holdsResources = rec.spec !== null && decision?.cached !== true
    const att: AttemptRecord = {
      attempt, node, epoch, placedAt: decision === null ? null : now, startedAt, endedAt: null, outcome: null, detail: null,
      decision, doneReceived: false, superseded: false, holdsResources
    }
    this.remember(rec, att)
    rec.current = att
    rec.state = startedAt === null ? 'placed' : 'running'
    rec.deferReason = null
    rec.deadline = (startedAt ?? now) + (rec.spec?.timeoutMs ?? 0) + this.params.graceMs
    this.inFlight.add(rec.id)
    let ids = this.onNode.get(node)
    if (ids === undefined) this.onNode.set(node, ids = new Set())
    ids.add(rec.id)
    if (holdsResources) this.placed.add(node, (rec.spec as TaskSpec).req)
    return att
  }

  private endAttempt (rec: TaskRecord, att: AttemptRecord, outcome: AttemptOutcome, detail: string | null, now: Millis): void {
    att.outcome = outcome
    att.detail = detail
    att.endedAt = now
    if (att.holdsResources && rec.spec !== null) this.placed.subtract(att.node, rec.spec.req)
    att.holdsResources = false
    if (rec.current === att) {
      rec.current = null
      this.inFlight.delete(rec.id)
      this.onNode.get(att.node)?.delete(rec.id)
    }
  }

  /** Another attempt's result finished the task: stop the live attempt if it runs elsewhere. */
  private overtake (rec: TaskRecord, winner: NodeId, now: Millis): void {
    const att = rec.current
    if (att === null) return
    if (att.node !== winner) {
      // It may have started: a result from it later means the task ran in two places.
      att.superseded = true
      this.outbox.send(att.node, { kind: 'abort', epoch: this.epoch, id: rec.id })
    }
    this.endAttempt(rec, att, 'overtaken', `finished by ${winner}`, now)
  }

  /** An attempt we did not order (previous master's), learned from a done or a report. */
  private recordForeignAttempt (rec: TaskRecord, node: NodeId, attempt: number, epoch: Epoch, now: Millis, how: { done: DoneMessage } | { running: true }): AttemptRecord {
    const att: AttemptRecord = {
      attempt, node, epoch, placedAt: null, startedAt: null, endedAt: null, outcome: null, detail: null,
      decision: null, doneReceived: false, superseded: false, holdsResources: false
    }
    if ('done' in how) {
      att.doneReceived = true
      att.endedAt = now
      att.outcome = how.done.ok ? 'ok' : how.done.timedOut ? 'timeout' : 'error'
      att.detail = how.done.ok ? null : how.done.error.message
    } else {
      // It runs beside the live attempt: it is a duplicate, and its result will be counted as one.
      att.superseded = true
    }
    this.remember(rec, att)
    return att
  }

  private remember (rec: TaskRecord, att: AttemptRecord): void {
    rec.attempts.push(att)
    rec.lastAttempt = Math.max(rec.lastAttempt, att.attempt)
    if (rec.attempts.length > this.params.maxAttemptHistory) rec.attempts.shift()
  }

  private ranElsewhere (rec: TaskRecord, node: NodeId): boolean {
    return rec.attempts.some(a => a.node !== node && (a.startedAt !== null || a.doneReceived) && a.outcome !== 'refused')
  }

  // ---- reconciliation

  private adoptRunning (from: NodeId, entry: RunningEntry, now: Millis): void {
    let rec = this.records.get(entry.spec.id)
    if (rec === undefined) {
      rec = this.newRecord(entry.spec, now)
      this.records.set(rec.id, rec)
      this.liveCount++
      const key = flightKey(entry.spec)
      if (key !== undefined && this.flights.leaderOf(key) === undefined) this.flights.lead(key, rec.id)
    }
    if (rec.attempts.some(a => a.attempt === entry.attempt && a.node === from)) return
    this.counters.adopted++
    if (rec.result !== null) {
      // Finished already (a result arrived first): this run is a leftover.
      this.recordForeignAttempt(rec, from, entry.attempt, entry.epoch, now, { running: true })
      this.outbox.send(from, { kind: 'abort', epoch: this.epoch, id: rec.id })
      return
    }
    if (rec.current !== null) {
      this.recordForeignAttempt(rec, from, entry.attempt, entry.epoch, now, { running: true })
      return
    }
    // Queued here (re-submitted after the failover) but already running there: do not place it again.
    this.scheduler.remove(rec.id)
    this.delayed.delete(rec.id)
    this.flights.stopWaiting(rec.id)
    this.startAttempt(rec, entry.attempt, from, entry.epoch, null, now, now - entry.elapsedMs)
  }

  /** A result for a task this master never saw (its submit went to the previous master). */
  private adoptResult (from: NodeId, done: DoneMessage, now: Millis): void {
    // Without the spec a failed attempt cannot be retried here; the submitter's re-submission will run it.
    if (!done.ok) return
    const rec = blankRecord(done.id, done.submitter, null, now, this.seq++)
    this.records.set(rec.id, rec)
    this.liveCount++
    this.counters.adopted++
    this.recordForeignAttempt(rec, from, done.attempt, done.epoch, now, { done })
    this.finish(rec, 'done', { ok: true, value: done.value }, { node: from, attempt: done.attempt, durationMs: done.durationMs, cached: done.cached }, now)
  }

  private maybeEndReconcile (now: Millis): void {
    if (this.phase !== 'reconciling') return
    if (this.awaiting.size > 0 && now < this.reconcileDeadline) return
    this.phase = 'active'
    this.outbox.out.events.push({ type: 'reconciled', at: now, reported: [...this.reported].sort(), missing: [...this.awaiting].sort() })
    this.awaiting.clear()
  }

  // ---- queue and placement

  private place (now: Millis): void {
    if (this.phase !== 'active' || this.scheduler.size === 0) return
    const result = this.scheduler.place(this.workerStates(), now)
    const orders = new Map<NodeId, AttemptOrder[]>()
    for (const decision of result.decisions) {
      this.scheduler.remove(decision.taskId)
      const rec = this.records.get(decision.taskId)
      if (rec === undefined || rec.state !== 'queued' || rec.spec === null) continue
      const att = this.startAttempt(rec, rec.lastAttempt + 1, decision.nodeId, this.epoch, decision, now, null)
      this.counters.placed++
      this.outbox.out.events.push({ type: 'placed', id: rec.id, node: att.node, attempt: att.attempt })
      let list = orders.get(att.node)
      if (list === undefined) orders.set(att.node, list = [])
      list.push({ spec: rec.spec, attempt: att.attempt })
    }
    for (const [reason, ids] of result.deferred) {
      for (const id of ids) {
        const rec = this.records.get(id)
        if (rec !== undefined) rec.deferReason = reason
      }
    }
    for (const [node, list] of orders) {
      for (const tasks of chunkBySize(list, order => jsonBytes(order.spec))) {
        this.outbox.send(node, { kind: 'assign', epoch: this.epoch, tasks })
      }
    }
  }

  private requeue (rec: TaskRecord, notBefore: Millis, now: Millis): void {
    rec.state = 'queued'
    rec.notBefore = notBefore
    if (notBefore > now) this.delayed.add(rec.id)
    else this.enqueue(rec, now)
  }

  private enqueue (rec: TaskRecord, now: Millis): void {
    const pushed = this.scheduler.enqueue(this.pendingOf(rec, now))
    // Only an injected scheduler smaller than maxLive can refuse here; never drop the task silently.
    if (!pushed.ok) this.finish(rec, 'failed', { ok: false, error: { code: 'queue-full', message: pushed.reason } }, null, now)
  }

  private pendingOf (rec: TaskRecord, now: Millis): PendingTask {
    const spec = rec.spec as TaskSpec
    const task: PendingTask = { id: rec.id, type: spec.type, priority: spec.priority, enqueuedAt: rec.submittedAt, seq: rec.seq, req: spec.req }
    if (rec.avoid.size > 0) task.avoidNodes = [...rec.avoid]
    if (spec.cacheKey !== undefined) {
      const holders = this.cacheIndex.holders(spec.cacheKey, now)
      if (holders.length > 0) task.cachedOn = holders
    }
    return task
  }

  private workerStates (): WorkerState[] {
    const states: WorkerState[] = []
    // A literal, not a spread: this runs for every placement round.
    for (const w of this.workers.values()) states.push({ id: w.id, capacity: w.capacity, load: w.load, handlers: w.handlers, isMaster: w.isMaster, placed: this.placed.get(w.id) })
    return states
  }

  // ---- finishing and retention

  /** Callers end the live attempt first; this settles the task and tells its submitter. */
  private finish (rec: TaskRecord, state: 'done' | 'failed' | 'cancelled', outcome: TaskOutcome, by: FinishedBy | null, now: Millis): void {
    this.scheduler.remove(rec.id)
    this.delayed.delete(rec.id)
    rec.state = state
    rec.finishedAt = now
    rec.result = { kind: 'result', id: rec.id, attempts: rec.lastAttempt, node: by?.node ?? null, durationMs: by?.durationMs ?? 0, ...outcome }
    if (by?.cached === true) rec.result.cached = true
    this.liveCount--
    if (outcome.ok) {
      this.counters.completed++
      if (by !== null) this.outbox.out.events.push({ type: 'completed', id: rec.id, node: by.node, attempt: by.attempt })
    } else if (state === 'cancelled') {
      this.counters.cancelled++
      this.outbox.out.events.push({ type: 'cancelled', id: rec.id })
    } else {
      this.counters.failed++
      this.outbox.out.events.push({ type: 'failed', id: rec.id, error: outcome.error })
    }
    this.outbox.send(rec.submitter, rec.result)
    const key = rec.spec === null ? undefined : flightKey(rec.spec)
    if (key !== undefined) this.landFlight(rec, key, now)
    this.finished.set(rec.id, now)
    while (this.finished.size > this.params.maxFinished) {
      const oldest = this.finished.oldest()
      if (oldest === undefined) break
      this.forget(oldest)
    }
  }

  /**
   * A task with a cache key finished. If identical tasks waited for it, they share its value
   * when it succeeded; otherwise the first of them runs in its place and the rest wait on that one.
   */
  private landFlight (rec: TaskRecord, key: string, now: Millis): void {
    const waiters = this.flights.land(key, rec.id)
    const result = rec.result as ResultMessage
    for (const id of waiters) {
      const waiter = this.records.get(id)
      if (waiter === undefined || waiter.result !== null) continue
      if (result.ok) {
        this.counters.coalesced++
        this.finish(waiter, 'done', { ok: true, value: result.value }, result.node === null ? null : { node: result.node, attempt: 0, durationMs: 0, cached: true }, now)
        continue
      }
      const leader = this.flights.leaderOf(key)
      if (leader !== undefined) {
        this.flights.wait(key, id)
        waiter.deferReason = `waiting for identical task ${leader} (same cache key)`
        continue
      }
      waiter.deferReason = null
      this.flights.lead(key, id)
      this.enqueue(waiter, now)
    }
  }

  private forget (id: TaskId): void {
    this.finished.delete(id)
    this.records.delete(id)
  }

  private reject (to: NodeId, id: TaskId, code: 'invalid' | 'queue-full' | 'no-eligible-node', reason: string): void {
    this.counters.rejected++
    this.outbox.send(to, { kind: 'rejected', id, code, reason })
  }

  private queueDoneAck (node: NodeId, id: TaskId): void {
    const ids = this.doneAcks.get(node)
    if (ids === undefined) this.doneAcks.set(node, [id])
    else ids.push(id)
  }

  private flushDoneAcks (): void {
    for (const [node, ids] of this.doneAcks) {
      for (let i = 0; i < ids.length; i += MESSAGE_MAX_ITEMS) {
        this.outbox.send(node, { kind: 'doneAck', ids: ids.slice(i, i + MESSAGE_MAX_ITEMS) })
      }
    }
    this.doneAcks = new Map()
  }

  private newRecord (spec: TaskSpec, now: Millis): TaskRecord {
    return blankRecord(spec.id, spec.submitter, spec, now, this.seq++)
  }
}

/** The attempt that produced a task's final outcome; cached: it was served without running the handler. */
interface FinishedBy { node: NodeId, attempt: number, durationMs: number, cached?: true }

/** Tasks share a flight only when both type and cache key match, as the worker's cache does. */
function flightKey (spec: TaskSpec): string | undefined {
  return spec.cacheKey === undefined ? undefined : `${spec.type}\u0000${spec.cacheKey}`
}

function blankRecord (id: TaskId, submitter: NodeId, spec: TaskSpec | null, now: Millis, seq: number): TaskRecord {
  return {
    id, submitter, spec, state: 'queued', submittedAt: now, seq, attempts: [], current: null, lastAttempt: 0,
    failures: 0, losses: 0, refusals: 0, avoid: new Set(), notBefore: now, deadline: Number.POSITIVE_INFINITY,
    deferReason: null, result: null, finishedAt: null
  }
}
