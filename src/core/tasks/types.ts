// Vocabulary of the task lifecycle: what a task is, how it ends, and how a node names an outcome.
import type { NodeId } from '../types.js'
import type { TaskId, TaskRequirements } from '../scheduler/types.js'

export type { TaskId, TaskRequirements }

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** A task as submitted. Immutable once accepted: the id is the dedup key everywhere. */
export interface TaskSpec {
  id: TaskId
  type: string
  payload: JsonValue
  /** Higher runs first, in [-1000, 1000]. */
  priority: number
  req: TaskRequirements
  /** How long one attempt may run on the worker before it is aborted. */
  timeoutMs: number
  /** Extra attempts after a handler error or time-out (0 = run once). */
  retries: number
  /** Base of the exponential back-off between retries. */
  backoffMs: number
  /** The node that submitted it and receives its result. */
  submitter: NodeId
  /**
   * Marks the task deterministic: its result may be cached under this key (by the worker that
   * produced it) and shared with other tasks of the same type and key. Absent for most tasks.
   */
  cacheKey?: string
  /** How long a cached result stays valid, from when it was produced; absent means until evicted. */
  cacheTtlMs?: number
}

/**
 * Why something failed. `code` is stable and machine-readable (e.g. 'handler-error', 'timeout',
 * 'cancelled', 'no-eligible-node', 'no-master'); `message` is for humans.
 */
export interface TaskFailure {
  code: string
  message: string
}

/** What a handler produced for one attempt. */
export type TaskOutcome =
  | { ok: true, value: JsonValue }
  | { ok: false, error: TaskFailure }
