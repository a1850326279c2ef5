// The running side of a task, on every node: obeys only orders from the current master (fencing),
// runs each task id at most once at a time, and holds every result until a master acknowledges it.
import type { Epoch, Millis, NodeId } from '../types.js'
import type { AckMessage, AttemptOrder, DoneMessage, Outgoing, RunningEntry, TaskMessage } from './messages.js'
import type { TaskId, TaskOutcome, TaskSpec } from './types.js'
import { FifoMap } from './fifo-map.js'
import { Outbox } from './outbox.js'
import { chunkBySize, jsonBytes, utf8Bytes } from './size.js'
import { DEFAULT_CACHE_MAX_BYTES, ResultCache, type ResultCacheStats } from '../cache/result-cache.js'

/** Injected fencing check (the election's FencingGuard): may `from` give orders at `epoch`? */
export type CheckOrder = (epoch: Epoch, from: NodeId) => { ok: true } | { ok: false, reason: string }

export interface HandlerLimits {
  /** Most attempts of this type running at once on this node; absent = only slots limit it. */
  concurrency?: number
}

export interface WorkerParams {
  /** Task slots of this node: the sum of running tasks' req.slots never exceeds it. */
  slots: number
  /** Task types this node has handlers for. */
  handlers: Record<string, HandlerLimits>
  /** An unacknowledged result is sent again to the master after this long. */
  doneResendMs: number
  /** Acknowledged results kept to answer a re-assignment of the same id without running it again. */
  recentMax: number
  recentMs: Millis
  /**
   * Results acknowledged this recently are included again in a report to a new master: the old
   * master may have acknowledged one and died before its result reached the submitter.
   */
  reportAckedMs: Millis
  /** A result value larger than this (UTF-8 bytes of JSON) becomes a 'result-too-large' failure: it could not cross the wire. */
  maxResultBytes: number
  /** Bound of the result cache for tasks with a cacheKey (0 turns it off). */
  cacheMaxBytes: number
}

export const defaultWorkerParams: Omit<WorkerParams, 'slots' | 'handlers'> = {
  doneResendMs: 2_000,
  recentMax: 10_000,
  recentMs: 10 * 60_000,
  reportAckedMs: 10_000,
  maxResultBytes: 1024 * 1024,
  cacheMaxBytes: DEFAULT_CACHE_MAX_BYTES
}

/** Evicted keys named in one done at most; the master learns of any others by a miss. */
const MAX_EVICTED_PER_DONE = 256

/** What a done says about this worker's cache, for the master's index. */
type CacheNote = Pick<DoneMessage, 'cacheHeld' | 'cacheEvicted'>

/** Run the handler for this attempt, with an AbortSignal the adapter keeps under the task id. */
export interface StartCommand { spec: TaskSpec, attempt: number, epoch: Epoch }
/** Abort the handler of this task (its slot is already free; a late outcome is ignored). */
export interface AbortCommand { id: TaskId, reason: 'timeout' | 'cancelled' }

export type WorkerEvent =
  /** Orders this node took on (its ack may be folded into the done, so the ack is no record of it). */
  | { type: 'accepted', from: NodeId, epoch: Epoch, ids: TaskId[] }
  | { type: 'fenced', from: NodeId, epoch: Epoch, kind: TaskMessage['kind'], reason: string }
  | { type: 'refused', from: NodeId, id: TaskId, reason: string }
  | { type: 'timed-out', id: TaskId, attempt: number }

export interface WorkerReady {
  messages: Outgoing[]
  starts: StartCommand[]
  aborts: AbortCommand[]
  events: WorkerEvent[]
}

export interface WorkerSnapshot {
  slots: number
  usedSlots: number
  running: Array<{ id: TaskId, type: string, attempt: number, epoch: Epoch, startedAt: Millis }>
  unackedResults: number
  master: NodeId | null
  epoch: Epoch
}

interface Running { spec: TaskSpec, attempt: number, epoch: Epoch, startedAt: Millis }
interface Unacked {
  done: DoneMessage
  /** Masters it was sent to: only they may acknowledge it. */
  sentTo: Set<NodeId>
  lastSentAt: Millis
  /** The master and term it was last sent to, so that a new term (even at the same node) gets it again. */
  lastSent: { to: NodeId, epoch: Epoch } | null
}

export class WorkerLedger {
  private readonly params: WorkerParams
  private readonly running = new Map<TaskId, Running>()
  private readonly perType = new Map<string, number>()
  private usedSlots = 0
  /** Results no master has acknowledged yet: bounded by the slots, since only running tasks finish. */
  private readonly unacked = new Map<TaskId, Unacked>()
  /** Acknowledged results, oldest first. */
  private readonly recent = new FifoMap<TaskId, { done: DoneMessage, at: Millis }>()
  private master: NodeId | null = null
  private epoch: Epoch = -1
  private readonly outbox = new Outbox<Omit<WorkerReady, 'messages'>>(() => ({ starts: [], aborts: [], events: [] }))
  /** Acks in the outbox, and the ids among them whose done is in the outbox too: a done implies the ack. */
  private unsentAcks: AckMessage[] = []
  private readonly ackUnsent = new Map<TaskId, NodeId>()
  private readonly ackFolded = new Set<TaskId>()
  private readonly cache: ResultCache

  constructor (params: Pick<WorkerParams, 'slots' | 'handlers'> & Partial<WorkerParams>, private readonly checkOrder: CheckOrder) {
    this.params = { ...defaultWorkerParams, ...params }
    this.cache = new ResultCache(this.params.cacheMaxBytes)
  }

  receive (from: NodeId, msgs: readonly TaskMessage[], now: Millis): void {
    for (const msg of msgs) {
      switch (msg.kind) {
        case 'assign': this.assign(from, msg.epoch, msg.tasks, now); break
        case 'abort': this.abort(from, msg.epoch, msg.id, now); break
        case 'sync': this.sync(from, msg.epoch, now); break
        case 'doneAck': this.doneAck(from, msg.ids, now); break
        default: break // not addressed to the worker role
      }
    }
  }

  assign (from: NodeId, epoch: Epoch, tasks: readonly AttemptOrder[], now: Millis): void {
    const check = this.checkOrder(epoch, from)
    if (!check.ok) {
      this.outbox.out.events.push({ type: 'fenced', from, epoch, kind: 'assign', reason: check.reason })
      for (const { spec } of tasks) this.outbox.send(from, { kind: 'refuse', epoch, id: spec.id, reason: `stale master: ${check.reason}`, fenced: true })
      return
    }
    const acked: TaskId[] = []
    for (const order of tasks) {
      const answer = this.admit(from, epoch, order, now)
      if (answer.ok) acked.push(order.spec.id)
      else {
        this.outbox.out.events.push({ type: 'refused', from, id: order.spec.id, reason: answer.reason })
        this.outbox.send(from, { kind: 'refuse', epoch, id: order.spec.id, reason: answer.reason })
      }
    }
    if (acked.length > 0) {
      const ack: AckMessage = { kind: 'ack', epoch, ids: acked }
      this.outbox.send(from, ack)
      this.outbox.out.events.push({ type: 'accepted', from, epoch, ids: acked })
      this.unsentAcks.push(ack)
      for (const id of acked) this.ackUnsent.set(id, from)
    }
    // After admitting, so that a result re-sent for a re-assigned id is not sent twice.
    this.learnMaster(from, epoch, now)
  }

  /** The adapter's handler for this task returned (or threw). Ignored if the task was aborted meanwhile. */
  finished (id: TaskId, outcome: TaskOutcome, now: Millis): void {
    const run = this.running.get(id)
    if (run === undefined) return
    if (!outcome.ok) {
      this.complete(run, outcome, false, now)
      return
    }
    const json = JSON.stringify(outcome.value) ?? 'null'
    const size = utf8Bytes(json)
    if (size > this.params.maxResultBytes) {
      this.complete(run, { ok: false, error: { code: 'result-too-large', message: `result is ${size} bytes of JSON, limit is ${this.params.maxResultBytes}` } }, false, now)
      return
    }
    const key = run.spec.cacheKey
    this.complete(run, outcome, false, now, key === undefined ? undefined : this.keepInCache(run, key, json, size, now))
  }

  /** From the election: a new master (or term). Unacknowledged results go to it. */
  masterChanged (master: NodeId | null, epoch: Epoch, now: Millis): void {
    if (epoch < this.epoch) return
    if (master === null) {
      if (epoch === this.epoch) this.master = null
      return
    }
    this.learnMaster(master, epoch, now)
  }

  tick (now: Millis): void {
    for (const run of [...this.running.values()]) {
      if (now - run.startedAt < run.spec.timeoutMs) continue
      this.outbox.out.aborts.push({ id: run.spec.id, reason: 'timeout' })
      this.outbox.out.events.push({ type: 'timed-out', id: run.spec.id, attempt: run.attempt })
      this.complete(run, { ok: false, error: { code: 'timeout', message: `attempt ${run.attempt} ran longer than ${run.spec.timeoutMs} ms` } }, true, now)
    }
    if (this.master !== null) {
      for (const entry of this.unacked.values()) {
        if (now - entry.lastSentAt >= this.params.doneResendMs) this.sendDone(entry, this.master, this.epoch, now)
      }
    }
    for (let id = this.recent.oldest(); id !== undefined; id = this.recent.oldest()) {
      if (now - (this.recent.get(id) as { at: Millis }).at < this.params.recentMs) break // oldest first: the rest are younger
      this.recent.delete(id)
    }
  }

  ready (): WorkerReady {
    if (this.ackFolded.size > 0) this.foldAcks()
    return this.outbox.ready()
  }

  advance (): void {
    this.outbox.advance()
    this.unsentAcks = []
    this.ackUnsent.clear()
  }

  cacheStats (): ResultCacheStats {
    return this.cache.stats()
  }

  snapshot (): WorkerSnapshot {
    return {
      slots: this.params.slots,
      usedSlots: this.usedSlots,
      running: [...this.running.values()].map(r => ({ id: r.spec.id, type: r.spec.type, attempt: r.attempt, epoch: r.epoch, startedAt: r.startedAt })),
      unackedResults: this.unacked.size,
      master: this.master,
      epoch: this.epoch
    }
  }

  private admit (from: NodeId, epoch: Epoch, order: AttemptOrder, now: Millis): { ok: true } | { ok: false, reason: string } {
    const { spec, attempt } = order
    const run = this.running.get(spec.id)
    if (run !== undefined) {
      // Already running (e.g. ordered by the previous master): adopt the new numbering, run once.
      run.attempt = attempt
      run.epoch = epoch
      return { ok: true }
    }
    const finished = this.unacked.get(spec.id) ?? this.recent.get(spec.id)
    if (finished !== undefined) {
      this.recent.delete(spec.id)
      // Answer under the new master's attempt number: it is the same single execution.
      this.sendDone(this.keepUntilAcked({ ...finished.done, attempt, epoch }, now), from, epoch, now)
      return { ok: true }
    }
    if (spec.cacheKey !== undefined) {
      const hit = this.cache.lookup(spec.cacheKey, spec.type, now)
      if (hit !== undefined) {
        // Answered at once and without a slot: the same single execution, served again.
        const done: DoneMessage = { kind: 'done', epoch, id: spec.id, attempt, submitter: spec.submitter, durationMs: 0, timedOut: false, ok: true, value: hit.value, cached: true, cacheHeld: true }
        this.sendDone(this.keepUntilAcked(done, now), from, epoch, now)
        return { ok: true }
      }
    }
    const limits = Object.hasOwn(this.params.handlers, spec.type) ? this.params.handlers[spec.type] : undefined
    if (limits === undefined) return { ok: false, reason: `no handler for type '${spec.type}'` }
    if (this.usedSlots + spec.req.slots > this.params.slots) {
      return { ok: false, reason: `full: needs ${spec.req.slots} slot(s), ${this.usedSlots}/${this.params.slots} used` }
    }
    const ofType = this.perType.get(spec.type) ?? 0
    if (limits.concurrency !== undefined && ofType >= limits.concurrency) {
      return { ok: false, reason: `full: ${ofType}/${limits.concurrency} '${spec.type}' tasks running` }
    }
    this.running.set(spec.id, { spec, attempt, epoch, startedAt: now })
    this.usedSlots += spec.req.slots
    this.perType.set(spec.type, ofType + 1)
    this.outbox.out.starts.push({ spec, attempt, epoch })
    return { ok: true }
  }

  private abort (from: NodeId, epoch: Epoch, id: TaskId, now: Millis): void {
    const check = this.checkOrder(epoch, from)
    if (!check.ok) {
      this.outbox.out.events.push({ type: 'fenced', from, epoch, kind: 'abort', reason: check.reason })
      return
    }
    this.learnMaster(from, epoch, now)
    const run = this.running.get(id)
    if (run === undefined) return
    this.outbox.out.aborts.push({ id, reason: 'cancelled' })
    this.complete(run, { ok: false, error: { code: 'cancelled', message: `attempt ${run.attempt} was aborted by the master` } }, false, now)
  }

  private sync (from: NodeId, epoch: Epoch, now: Millis): void {
    const check = this.checkOrder(epoch, from)
    if (!check.ok) {
      this.outbox.out.events.push({ type: 'fenced', from, epoch, kind: 'sync', reason: check.reason })
      return
    }
    const running: RunningEntry[] = [...this.running.values()].map(r => ({ spec: r.spec, attempt: r.attempt, epoch: r.epoch, elapsedMs: Math.max(0, now - r.startedAt) }))
    const finished: DoneMessage[] = []
    for (const entry of this.unacked.values()) {
      this.markSent(entry, from, epoch, now)
      finished.push(entry.done)
    }
    for (const { done, at } of this.recent.values()) {
      if (now - at < this.params.reportAckedMs) finished.push(done)
    }
    // The report carries the unacknowledged results, so learnMaster finds nothing left to re-send.
    this.learnMaster(from, epoch, now)
    // Split so that each part fits a frame; the master waits for the part with more: false.
    const items: Array<{ running?: RunningEntry, done?: DoneMessage }> = [
      ...running.map(r => ({ running: r })),
      ...finished.map(d => ({ done: d }))
    ]
    const parts = chunkBySize(items, item => jsonBytes(item.running ?? item.done))
    if (parts.length === 0) parts.push([])
    parts.forEach((part, i) => {
      this.outbox.send(from, {
        kind: 'report',
        epoch,
        running: part.flatMap(item => item.running === undefined ? [] : [item.running]),
        finished: part.flatMap(item => item.done === undefined ? [] : [item.done]),
        more: i < parts.length - 1
      })
    })
  }

  private doneAck (from: NodeId, ids: readonly TaskId[], now: Millis): void {
    for (const id of ids) {
      const entry = this.unacked.get(id)
      if (entry === undefined || !entry.sentTo.has(from)) continue // only a master we told may clear it
      this.unacked.delete(id)
      this.recent.set(id, { done: entry.done, at: now })
    }
    while (this.recent.size > this.params.recentMax) this.recent.shift()
  }

  /** Drops ids from unsent acks whose done follows in the same batch (the master takes a done without an ack). */
  private foldAcks (): void {
    for (const ack of this.unsentAcks) ack.ids = ack.ids.filter(id => !this.ackFolded.has(id))
    this.outbox.unsend(o => o.msg.kind === 'ack' && o.msg.ids.length === 0)
    this.unsentAcks = this.unsentAcks.filter(ack => ack.ids.length > 0)
    for (const id of this.ackFolded) this.ackUnsent.delete(id)
    this.ackFolded.clear()
  }

  /** A successful result of a task with a cacheKey is kept (when it fits) before it is reported; the note says so. */
  private keepInCache (run: Running, key: string, json: string, size: number, now: Millis): CacheNote {
    const { stored, evicted } = this.cache.store(key, run.spec.type, json, size, now, run.spec.cacheTtlMs)
    const note: CacheNote = {}
    if (stored) note.cacheHeld = true
    if (evicted.length > 0) note.cacheEvicted = evicted.slice(0, MAX_EVICTED_PER_DONE)
    return note
  }

  private complete (run: Running, outcome: TaskOutcome, timedOut: boolean, now: Millis, note?: CacheNote): void {
    const { spec } = run
    // Its ack has not left yet: the done below will carry the news alone, if it goes to the same master.
    if (this.ackUnsent.get(spec.id) === this.master && this.epoch === run.epoch) this.ackFolded.add(spec.id)
    this.running.delete(spec.id)
    this.usedSlots -= spec.req.slots
    this.perType.set(spec.type, (this.perType.get(spec.type) ?? 1) - 1)
    const done: DoneMessage = {
      kind: 'done', epoch: run.epoch, id: spec.id, attempt: run.attempt, submitter: spec.submitter,
      durationMs: Math.max(0, now - run.startedAt), timedOut, ...outcome
    }
    if (note !== undefined) Object.assign(done, note)
    const entry = this.keepUntilAcked(done, now)
    if (this.master !== null) this.sendDone(entry, this.master, this.epoch, now)
  }

  /** A result is re-sent until a master takes it over (doneAck). */
  private keepUntilAcked (done: DoneMessage, now: Millis): Unacked {
    const entry: Unacked = { done, sentTo: new Set(), lastSentAt: now, lastSent: null }
    this.unacked.set(done.id, entry)
    return entry
  }

  private sendDone (entry: Unacked, to: NodeId, epoch: Epoch, now: Millis): void {
    this.markSent(entry, to, epoch, now)
    this.outbox.send(to, entry.done)
  }

  private markSent (entry: Unacked, to: NodeId, epoch: Epoch, now: Millis): void {
    entry.sentTo.add(to)
    entry.lastSentAt = now
    entry.lastSent = { to, epoch }
  }

  /** Orders accepted by the fencing check and the election's announcements both reveal the master. */
  private learnMaster (master: NodeId, epoch: Epoch, now: Millis): void {
    if (epoch < this.epoch || (master === this.master && epoch === this.epoch)) return
    this.master = master
    this.epoch = epoch
    for (const entry of this.unacked.values()) {
      if (entry.lastSent?.to !== master || entry.lastSent.epoch !== epoch) this.sendDone(entry, master, epoch, now)
    }
  }
}
