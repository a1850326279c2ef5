// The submitting side of a task, on every node: holds each task until its result arrives and
// re-sends it to whichever master holds the lease, so that an accepted task survives failover.
import type { Epoch, Millis, NodeId } from '../types.js'
import type { Outgoing, ResultMessage, TaskMessage } from './messages.js'
import type { TaskFailure, TaskId, TaskOutcome, TaskSpec } from './types.js'
import { Outbox } from './outbox.js'
import { chunkBySize, jsonBytes } from './size.js'

export interface SubmitterParams {
  /** Tasks submitted while no master is known that may wait for one; more are refused. */
  maxWaiting: number
  /** Unsettled tasks this node may hold in total (bounds memory). */
  maxPending: number
  /** A task not accepted by any master within this time fails with 'no-master' / 'submit-timeout'. */
  submitTimeoutMs: number
  /** A submit the master has not answered is sent again after this long (the master dedups). */
  resendMs: number
}

export const defaultSubmitterParams: SubmitterParams = {
  maxWaiting: 10_000,
  maxPending: 100_000,
  submitTimeoutMs: 30_000,
  resendMs: 1_000
}

/** How a task ended, for the adapter to resolve the caller's promise. Exactly one per task. */
export type Settlement = Pick<ResultMessage, 'id' | 'attempts' | 'node' | 'durationMs' | 'cached'> & TaskOutcome

export type SubmitRefusal = { ok: false, code: 'invalid' | 'duplicate' | 'too-many-pending' | 'no-master-queue-full', reason: string }

export interface SubmitterReady {
  messages: Outgoing[]
  settlements: Settlement[]
}

type Phase =
  /** Needs sending as soon as a master is known. */
  | 'unsent'
  /** Sent to the current master, no answer yet. */
  | 'sent'
  /** The current master has it. */
  | 'accepted'

interface Pending {
  spec: TaskSpec
  bytes: number
  submittedAt: Millis
  phase: Phase
  lastSentAt: Millis
  /** Once any master accepted it the task is committed: it no longer times out waiting. */
  everAccepted: boolean
  /** Masters it was sent to: only they may answer for it. */
  sentTo: Set<NodeId>
}

export class SubmitterLedger {
  private readonly params: SubmitterParams
  private readonly pending = new Map<TaskId, Pending>()
  /** Ids not accepted by the current master: the only ones tick() has to look at. */
  private readonly unconfirmed = new Set<TaskId>()
  /** Never-accepted ids held while no master is known: bounded by maxWaiting. */
  private readonly waiting = new Set<TaskId>()
  /**
   * Results from a node this one has not yet heard is master (the news can lag behind the result):
   * kept until the election names the sender, never trusted before.
   */
  private readonly early = new Map<TaskId, Map<NodeId, ResultMessage>>()
  private master: NodeId | null = null
  private epoch: Epoch = -1
  private toSend: TaskSpec[] = []
  private readonly outbox = new Outbox<{ settlements: Settlement[] }>(() => ({ settlements: [] }))

  constructor (private readonly self: NodeId, params: Partial<SubmitterParams> = {}) {
    this.params = { ...defaultSubmitterParams, ...params }
  }

  submit (spec: TaskSpec, now: Millis): { ok: true } | SubmitRefusal {
    if (spec.submitter !== this.self) return { ok: false, code: 'invalid', reason: `task ${spec.id} names submitter ${spec.submitter}, this node is ${this.self}` }
    if (this.pending.has(spec.id)) return { ok: false, code: 'duplicate', reason: `task ${spec.id} is already pending` }
    if (this.pending.size >= this.params.maxPending) {
      return { ok: false, code: 'too-many-pending', reason: `this node already has ${this.pending.size} unfinished tasks (limit ${this.params.maxPending})` }
    }
    if (this.master === null && this.waiting.size >= this.params.maxWaiting) {
      return { ok: false, code: 'no-master-queue-full', reason: `no master is known and ${this.waiting.size} tasks already wait for one (limit ${this.params.maxWaiting})` }
    }
    const entry: Pending = { spec, bytes: jsonBytes(spec), submittedAt: now, phase: 'unsent', lastSentAt: now, everAccepted: false, sentTo: new Set() }
    this.pending.set(spec.id, entry)
    this.unconfirmed.add(spec.id)
    if (this.master === null) this.waiting.add(spec.id)
    else this.queueSend(entry, now)
    this.flush()
    return { ok: true }
  }

  /** From the election: who holds the lease now. A new master (or term) gets every unsettled task again. */
  masterChanged (master: NodeId | null, epoch: Epoch, now: Millis): void {
    if (epoch < this.epoch) return
    if (master === this.master && epoch === this.epoch) return
    this.master = master
    this.epoch = epoch
    if (master !== null) {
      for (const bySender of this.early.values()) {
        const msg = bySender.get(master)
        if (msg !== undefined) this.onResult(master, msg)
      }
    }
    for (const [id, entry] of this.pending) {
      entry.phase = 'unsent'
      this.unconfirmed.add(id)
      if (master === null) {
        if (!entry.everAccepted) this.waiting.add(id)
      } else {
        this.queueSend(entry, now)
      }
    }
    this.flush()
  }

  receive (from: NodeId, msgs: readonly TaskMessage[], now: Millis): void {
    for (const msg of msgs) {
      switch (msg.kind) {
        case 'accepted': this.onAccepted(from, msg.ids); break
        case 'rejected': this.onRejected(from, msg.id, msg.code, msg.reason, now); break
        case 'result': this.onResult(from, msg); break
        default: break // not addressed to the submitter role
      }
    }
    this.flush()
  }

  /** Gives up on a task locally and asks the master to stop it; it settles as cancelled now. */
  cancel (id: TaskId): boolean {
    const entry = this.pending.get(id)
    if (entry === undefined) return false
    if (this.master !== null && entry.phase !== 'unsent') this.outbox.send(this.master, { kind: 'cancel', id })
    this.settle(id, { ok: false, error: { code: 'cancelled', message: `task ${id} was cancelled by its submitter` } }, 0, null)
    return true
  }

  tick (now: Millis): void {
    for (const id of this.unconfirmed) {
      const entry = this.pending.get(id)
      if (entry === undefined) continue
      if (!entry.everAccepted && now - entry.submittedAt >= this.params.submitTimeoutMs) {
        this.timeOut(id, entry)
      } else if (entry.phase === 'sent' && now - entry.lastSentAt >= this.params.resendMs) {
        this.queueSend(entry, now)
      }
    }
    this.flush()
  }

  ready (): SubmitterReady {
    return this.outbox.ready()
  }

  advance (): void {
    this.outbox.advance()
  }

  /** Unsettled tasks, for /status. */
  get size (): number {
    return this.pending.size
  }

  private onAccepted (from: NodeId, ids: readonly TaskId[]): void {
    if (from !== this.master) return // an old master holding it does not mean the current one does
    for (const id of ids) {
      const entry = this.pending.get(id)
      if (entry === undefined || !entry.sentTo.has(from)) continue
      entry.phase = 'accepted'
      entry.everAccepted = true
      this.unconfirmed.delete(id)
      this.waiting.delete(id)
    }
  }

  private onRejected (from: NodeId, id: TaskId, code: string, reason: string, now: Millis): void {
    const entry = this.pending.get(id)
    if (entry === undefined || from !== this.master || !entry.sentTo.has(from)) return
    if (code === 'not-master') {
      // The lease moved before the submit arrived: the next masterChanged (or resend) delivers it.
      entry.phase = 'sent'
      entry.lastSentAt = now
      return
    }
    this.settle(id, { ok: false, error: { code, message: reason } }, 0, null)
  }

  private onResult (from: NodeId, msg: ResultMessage): void {
    const entry = this.pending.get(msg.id)
    if (entry === undefined) return // settled already
    if (!entry.sentTo.has(from) && from !== this.master) {
      const bySender = this.early.get(msg.id) ?? new Map<NodeId, ResultMessage>()
      this.early.set(msg.id, bySender.set(from, msg))
      return
    }
    const outcome: TaskOutcome = msg.ok ? { ok: true, value: msg.value } : { ok: false, error: msg.error }
    this.settle(msg.id, outcome, msg.attempts, msg.node, msg.durationMs, msg.cached)
  }

  private timeOut (id: TaskId, entry: Pending): void {
    const error: TaskFailure = entry.sentTo.size === 0
      ? { code: 'no-master', message: `no master was known within ${this.params.submitTimeoutMs} ms; task ${id} was not submitted` }
      : { code: 'submit-timeout', message: `no master accepted task ${id} within ${this.params.submitTimeoutMs} ms; it was cancelled` }
    // It may have reached a master whose answer was lost: withdraw it so it does not run unobserved.
    if (this.master !== null && entry.sentTo.has(this.master)) this.outbox.send(this.master, { kind: 'cancel', id })
    this.settle(id, { ok: false, error }, 0, null)
  }

  private settle (id: TaskId, outcome: TaskOutcome, attempts: number, node: NodeId | null, durationMs = 0, cached?: true): void {
    this.pending.delete(id)
    this.unconfirmed.delete(id)
    this.waiting.delete(id)
    this.early.delete(id)
    const settlement: Settlement = { id, attempts, node, durationMs, ...outcome }
    if (cached === true) settlement.cached = true
    this.outbox.out.settlements.push(settlement)
  }

  private queueSend (entry: Pending, now: Millis): void {
    if (this.master === null) return
    entry.phase = 'sent'
    entry.lastSentAt = now
    entry.sentTo.add(this.master)
    this.waiting.delete(entry.spec.id)
    this.toSend.push(entry.spec)
  }

  private flush (): void {
    if (this.toSend.length === 0 || this.master === null) return
    for (const tasks of chunkBySize(this.toSend, spec => this.pending.get(spec.id)?.bytes ?? jsonBytes(spec))) {
      this.outbox.send(this.master, { kind: 'submit', tasks })
    }
    this.toSend = []
  }
}
