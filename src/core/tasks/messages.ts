// Every message of the task stream protocol. Directions are fixed by kind:
//   submitter -> master: submit, cancel
//   master -> submitter: accepted, rejected, result
//   master -> worker:    assign, abort, sync, doneAck   (orders carry the master's epoch)
//   worker -> master:    ack, refuse, done, report
// A node may play several roles at once (the master usually also runs tasks and submits), so
// no two directions share a kind: the master's cancel order to a worker is named `abort`.
import type { Epoch, NodeId } from '../types.js'
import type { TaskId, TaskOutcome, TaskSpec } from './types.js'

export interface SubmitMessage { kind: 'submit', tasks: TaskSpec[] }
export interface CancelMessage { kind: 'cancel', id: TaskId }

export interface AcceptedMessage { kind: 'accepted', ids: TaskId[] }

export type RejectCode = 'no-eligible-node' | 'queue-full' | 'invalid' | 'not-master'
export const REJECT_CODES: readonly RejectCode[] = ['no-eligible-node', 'queue-full', 'invalid', 'not-master']
export interface RejectedMessage { kind: 'rejected', id: TaskId, code: RejectCode, reason: string }

/** The final word on a task, sent to its submitter. */
export type ResultMessage = {
  kind: 'result'
  id: TaskId
  /** Attempts dispatched to workers (0 when it never ran, e.g. cancelled while queued). */
  attempts: number
  /** The node whose attempt produced the outcome, null when none ran. */
  node: NodeId | null
  durationMs: number
  /** The value came from a cache or from an identical task that ran at the same time: no handler ran for this task. */
  cached?: true
} & TaskOutcome

/** One attempt of a task; the attempt number is unique per task across masters. */
export interface AttemptOrder { spec: TaskSpec, attempt: number }

export interface AssignMessage { kind: 'assign', epoch: Epoch, tasks: AttemptOrder[] }
export interface AbortMessage { kind: 'abort', epoch: Epoch, id: TaskId }
export interface SyncMessage { kind: 'sync', epoch: Epoch }
export interface DoneAckMessage { kind: 'doneAck', ids: TaskId[] }

export interface AckMessage { kind: 'ack', epoch: Epoch, ids: TaskId[] }
/** `fenced`: refused because the worker has seen a newer epoch, not because of the task. */
export interface RefuseMessage { kind: 'refuse', epoch: Epoch, id: TaskId, reason: string, fenced?: true }

/**
 * A finished attempt. `epoch` is the epoch of the assign that started it; `submitter` travels with
 * it so that a master that never saw the task (after a failover) can still forward the result.
 */
export type DoneMessage = {
  kind: 'done'
  epoch: Epoch
  id: TaskId
  attempt: number
  submitter: NodeId
  durationMs: number
  /** The worker aborted the attempt because it ran past the task's timeoutMs. */
  timedOut: boolean
  /** Answered from the worker's result cache: the handler did not run. */
  cached?: true
  /** The worker now holds this result in its cache under the task's cacheKey. */
  cacheHeld?: true
  /** Cache keys the worker dropped to make room (so the master stops sending their tasks there). */
  cacheEvicted?: string[]
} & TaskOutcome

/** A task a worker is running, as it tells a new master. */
export interface RunningEntry extends AttemptOrder {
  /** Epoch of the assign it runs under. */
  epoch: Epoch
  /** How long it has run, so the new master can set a fair deadline. */
  elapsedMs: number
}

/** A worker's answer to `sync`; long answers are split, every part but the last has more: true. */
export interface ReportMessage {
  kind: 'report'
  epoch: Epoch
  running: RunningEntry[]
  /** Results the worker has not yet seen acknowledged by a master. */
  finished: DoneMessage[]
  more: boolean
}

export type TaskMessage =
  | SubmitMessage | CancelMessage
  | AcceptedMessage | RejectedMessage | ResultMessage
  | AssignMessage | AbortMessage | SyncMessage | DoneAckMessage
  | AckMessage | RefuseMessage | DoneMessage | ReportMessage

export type TaskMessageKind = TaskMessage['kind']

/** A message a state machine wants sent; the adapter batches those for the same peer into frames. */
export interface Outgoing { to: NodeId, msg: TaskMessage }
