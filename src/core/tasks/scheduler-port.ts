// The task table's view of the scheduler: a queue plus a placement round. The table owns task
// state; the scheduler only orders and places. The placement function is injectable so that the
// table can be tested (and tuned) independently of the real policy code.
import type { Millis } from '../types.js'
import { canEverFit, placeTasks } from '../scheduler/placement.js'
import { createPolicy, type PlacementPolicy } from '../scheduler/policy.js'
import { TaskQueue } from '../scheduler/queue.js'
import type { PendingTask, PlacementResult, TaskId, WorkerState } from '../scheduler/types.js'

export type FitCheck = { ok: true } | { ok: false, reason: string }

export interface TaskScheduler {
  enqueue: (task: PendingTask) => FitCheck
  remove: (id: TaskId) => void
  readonly size: number
  /** One round: decisions for queued tasks; placed tasks stay queued until the caller removes them. */
  place: (workers: WorkerState[], now: Millis) => PlacementResult
  /** Whether any of these workers could ever run the task (handler, labels, total capacity). */
  canEverFit: (task: PendingTask, workers: WorkerState[]) => FitCheck
}

export type PlaceFn = typeof placeTasks

export interface SchedulerOptions {
  policy?: PlacementPolicy
  /** Waiting this long is worth one priority level. */
  agingMs?: number
  maxQueue?: number
  /** Whether the master itself runs tasks. */
  allowMasterTasks?: boolean
  /** Most placements per round, so one round never stalls the master's event loop. */
  maxDecisions?: number
  place?: PlaceFn
}

export function createScheduler (opts: SchedulerOptions = {}): TaskScheduler {
  const queue = new TaskQueue({ agingMs: opts.agingMs, maxSize: opts.maxQueue })
  const policy = opts.policy ?? createPolicy('least-loaded')
  const place = opts.place ?? placeTasks
  const allowMasterTasks = opts.allowMasterTasks ?? true
  const maxDecisions = opts.maxDecisions ?? 1000
  return {
    enqueue: task => queue.push(task),
    remove: id => { queue.remove(id) },
    get size () { return queue.size },
    place: (workers, now) => place(queue, workers, policy, now, { maxDecisions, allowMasterTasks }),
    canEverFit: (task, workers) => canEverFit(task, workers, { allowMasterTasks })
  }
}
