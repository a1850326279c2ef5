// Records, parameters, events and views of the master's task table.
import type { Epoch, Millis, NodeId } from '../types.js'
import type { PlacedResources, PlacementDecision, WorkerState } from '../scheduler/types.js'
import type { Outgoing, ResultMessage } from './messages.js'
import type { TaskFailure, TaskId, TaskSpec } from './types.js'
import type { CacheIndexStats } from '../cache/cache-index.js'

export interface TableParams {
  /** Extra time past timeoutMs before the master gives up on an attempt it has heard nothing of. */
  graceMs: number
  /** How long a new master waits for workers' reports before placing anything. */
  reconcileTimeoutMs: number
  /** Finished tasks are kept this long to answer duplicate submissions. */
  retentionMs: number
  /** At most this many finished tasks are kept (oldest dropped first; live ones never). */
  maxFinished: number
  /** Live (unfinished) tasks; submissions beyond are rejected with 'queue-full'. */
  maxLive: number
  /** Cap of the exponential retry back-off. */
  maxBackoffMs: number
  /** Worker deaths a task survives; one more fails it with 'worker-lost' (a task that kills its worker must not kill them all). */
  maxWorkerLosses: number
  /** Refusals in a row a task survives; one more fails it with 'refused'. */
  maxRefusals: number
  /** Wait before placing a refused task again, so a refusing worker is not hammered. */
  refuseBackoffMs: number
  /** Attempt history kept per task (the oldest are dropped, numbering continues). */
  maxAttemptHistory: number
}

export const defaultTableParams: TableParams = {
  graceMs: 2_000,
  reconcileTimeoutMs: 300,
  retentionMs: 10 * 60_000,
  maxFinished: 10_000,
  maxLive: 100_000,
  maxBackoffMs: 5 * 60_000,
  maxWorkerLosses: 3,
  maxRefusals: 20,
  refuseBackoffMs: 100,
  maxAttemptHistory: 32
}

/** What the table knows of a worker, from membership; the table adds what it has placed there. */
export type WorkerInfo = Omit<WorkerState, 'placed'>

export type TaskState = 'queued' | 'placed' | 'running' | 'done' | 'failed' | 'cancelled'
export const TASK_STATES: readonly TaskState[] = ['queued', 'placed', 'running', 'done', 'failed', 'cancelled']

export type AttemptOutcome =
  | 'ok' | 'error' | 'timeout' | 'worker-lost' | 'refused' | 'cancelled'
  /** Another attempt's result finished the task first. */
  | 'overtaken'

export interface AttemptRecord {
  attempt: number
  node: NodeId
  /** Epoch of the master that ordered it (ours, or the previous master's for an adopted attempt). */
  epoch: Epoch
  /** Null for an attempt adopted from a worker's report. */
  placedAt: Millis | null
  startedAt: Millis | null
  endedAt: Millis | null
  outcome: AttemptOutcome | null
  detail: string | null
  decision: PlacementDecision | null
  /** Its worker's `done` arrived. */
  doneReceived: boolean
  /** Given up on without its result (timed out, worker lost, conflicting report): a later done means it ran twice. */
  superseded: boolean
  /** Its resources are counted in the worker's placed total. */
  holdsResources: boolean
}

export interface TaskRecord {
  id: TaskId
  submitter: NodeId
  /** Null only for a result a worker reported for a task this master never saw submitted. */
  spec: TaskSpec | null
  state: TaskState
  submittedAt: Millis
  seq: number
  attempts: AttemptRecord[]
  /** The live attempt (state placed or running). */
  current: AttemptRecord | null
  /** Highest attempt number used so far, by us or a previous master. */
  lastAttempt: number
  /** Handler errors and time-outs so far (bounded by spec.retries). */
  failures: number
  losses: number
  refusals: number
  avoid: Set<NodeId>
  /** Not placed before this time (retry back-off). */
  notBefore: Millis
  /** The live attempt's deadline. */
  deadline: Millis
  /** Why the scheduler could not place it in the last round. */
  deferReason: string | null
  result: ResultMessage | null
  finishedAt: Millis | null
}

export interface TableCounters {
  submitted: number
  rejected: number
  placed: number
  completed: number
  failed: number
  cancelled: number
  retried: number
  timedOut: number
  refused: number
  /** Attempts given up on while their worker may still run them (worker death, master-side time-out). */
  duplicatesRisked: number
  /** A result arrived from an attempt given up on, or from a second worker: the task ran twice. */
  duplicatesSeen: number
  /** Running tasks and results learned from workers' reports after a failover. */
  adopted: number
  /** Tasks that shared the result of an identical task (same cache key) running at the same time. */
  coalesced: number
}

export function zeroCounters (): TableCounters {
  return { submitted: 0, rejected: 0, placed: 0, completed: 0, failed: 0, cancelled: 0, retried: 0, timedOut: 0, refused: 0, duplicatesRisked: 0, duplicatesSeen: 0, adopted: 0, coalesced: 0 }
}

export type TableEvent =
  | { type: 'reconciled', at: Millis, reported: NodeId[], missing: NodeId[] }
  | { type: 'placed', id: TaskId, node: NodeId, attempt: number }
  | { type: 'completed', id: TaskId, node: NodeId, attempt: number }
  | { type: 'failed', id: TaskId, error: TaskFailure }
  | { type: 'cancelled', id: TaskId }
  | { type: 'retry', id: TaskId, attempt: number, reason: string, notBefore: Millis }
  | { type: 'timed-out', id: TaskId, node: NodeId, attempt: number }
  | { type: 'worker-lost', node: NodeId, requeued: TaskId[] }
  | { type: 'refused', id: TaskId, node: NodeId, reason: string }
  | { type: 'duplicate', id: TaskId, node: NodeId, attempt: number }

export interface TableReady {
  messages: Outgoing[]
  events: TableEvent[]
}

/** One attempt as `GET /tasks/:id` and `explain` show it: the record without its bookkeeping. */
export type AttemptView = Pick<AttemptRecord, 'attempt' | 'node' | 'epoch' | 'placedAt' | 'startedAt' | 'endedAt' | 'outcome' | 'detail' | 'decision'>

/** One task, for `GET /tasks/:id` and `tasks explain`. */
export interface TaskView {
  id: TaskId
  state: TaskState
  type: string | null
  priority: number | null
  submitter: NodeId
  submittedAt: Millis
  attempts: AttemptView[]
  notBefore: Millis | null
  deferReason: string | null
  result: ResultMessage | null
}

/** One task in a listing, for `GET /tasks` and `mcp-cluster tasks`. */
export interface TaskSummary {
  id: TaskId
  state: TaskState
  type: string | null
  /** Attempts so far, a previous master's included. */
  attempts: number
  /** Where the live attempt runs, else the node whose attempt settled it; null if neither. */
  node: NodeId | null
}

/** The table as a whole, for /status and metrics. */
export interface TableSnapshot {
  epoch: Epoch
  phase: 'reconciling' | 'active'
  counters: TableCounters
  /** Tasks waiting for placement (including those in back-off). */
  queueLength: number
  states: Record<TaskState, number>
  placed: Record<NodeId, PlacedResources>
  awaitingReports: NodeId[]
  /** The cache index (keys, and (key, node) holdings) and tasks waiting for an identical live task. */
  cache: CacheIndexStats & { waiting: number }
}
