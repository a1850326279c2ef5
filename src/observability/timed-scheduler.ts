// Placement latency without touching the scheduler: a wrapper notes when each task enters the
// master's queue (submission, retry after its back-off, re-queue after a lost worker) and
// reports, for every placement decision, how long the task waited.
import type { TaskScheduler } from '../core/tasks/scheduler-port.js'
import type { TaskId } from '../core/scheduler/types.js'

export function timedScheduler (inner: TaskScheduler, now: () => number, placed: (waitedMs: number) => void): TaskScheduler {
  const enqueuedAt = new Map<TaskId, number>()
  return {
    enqueue (task) {
      const r = inner.enqueue(task)
      if (r.ok) enqueuedAt.set(task.id, now())
      return r
    },
    remove (id) {
      enqueuedAt.delete(id)
      inner.remove(id)
    },
    get size () { return inner.size },
    place (workers, at) {
      const result = inner.place(workers, at)
      for (const d of result.decisions) {
        const since = enqueuedAt.get(d.taskId)
        if (since !== undefined) placed(Math.max(0, at - since))
      }
      return result
    },
    canEverFit: (task, workers) => inner.canEverFit(task, workers)
  }
}
