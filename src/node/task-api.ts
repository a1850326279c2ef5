// The task API types users see: handlers, submit options, errors.
import type { JsonValue } from '../core/tasks/types.js'

export type { JsonValue }

export interface TaskContext {
  /** The task's id (the dedup key; stable across attempts). */
  id: string
  type: string
  /** 1 for the first attempt; retries and re-placements count up. */
  attempt: number
  /** The fencing epoch of the master that assigned this attempt. */
  epoch: number
  /** Aborted on timeout or cancellation: stop work and return (or throw) promptly. */
  signal: AbortSignal
}

export type TaskHandler = (payload: JsonValue, ctx: TaskContext) => JsonValue | undefined | Promise<JsonValue | undefined>

export interface HandlerOptions {
  /** Most attempts of this type running at once on this node (slots limit all types together). */
  concurrency?: number
}

export interface SubmitOptions {
  /** Idempotency key: submitting the same id again returns the same task's result. */
  id?: string
  /** Higher runs first, in [-1000, 1000]; default 0. */
  priority?: number
  /** What the task needs: slots (default 1), cpus, memoryBytes, and user-defined resources. */
  resources?: { slots?: number, cpus?: number, memoryBytes?: number, [name: string]: number | undefined }
  /** Labels a node must carry, e.g. { gpu: 'true' }. */
  constraints?: Record<string, string>
  /** One attempt's time limit on the worker; default 30000. */
  timeoutMs?: number
  /** Extra attempts after a handler error or timeout; default 0. */
  retries?: number
  /** Base of the exponential back-off between retries; default 200. */
  backoffMs?: number
  /**
   * The task is deterministic: its result may be served from a cache, keyed by its type and a
   * hash of its payload. Identical tasks running at the same time run the handler once.
   */
  cache?: boolean
  /** An explicit cache key (1-128 characters) instead of the payload hash; implies `cache`. */
  cacheKey?: string
  /** How long a cached result may be served after it was produced, ms; default: until evicted. */
  cacheTtlMs?: number
}

/** How a task ended, with where and how often it ran. */
export interface TaskResult {
  id: string
  ok: boolean
  value?: JsonValue
  error?: { code: string, message: string }
  attempts: number
  node: string | null
  durationMs: number
  /** The value was served from a result cache or shared with an identical task: no handler ran for this task. */
  cached?: boolean
}

/** A task that did not succeed: `code` says why ('handler-error', 'timeout', 'cancelled', 'no-eligible-node', 'no-master', ...). */
export class TaskError extends Error {
  static override name = 'TaskError'
  constructor (readonly code: string, message: string, readonly taskId?: string, readonly attempts = 0) {
    super(message)
    this.name = 'TaskError'
  }
}
