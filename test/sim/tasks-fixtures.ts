// Shared builders for the task lifecycle tests and simulation.
import type { NodeId } from '../../src/core/types.js'
import type { DeferReason, PlacementDecision, TaskId } from '../../src/core/scheduler/types.js'
import type { Outgoing, TaskMessage, TaskMessageKind } from '../../src/core/tasks/messages.js'
import type { PlaceFn } from '../../src/core/tasks/scheduler-port.js'
import type { WorkerInfo } from '../../src/core/tasks/table-types.js'
import type { TaskSpec } from '../../src/core/tasks/types.js'

export function spec (id: string, over: Partial<TaskSpec> = {}): TaskSpec {
  return {
    id,
    type: 'echo',
    payload: { id },
    priority: 0,
    req: { slots: 1, cpus: 0, memoryBytes: 0, resources: {}, constraints: {} },
    timeoutMs: 1000,
    retries: 0,
    backoffMs: 100,
    submitter: 'sub',
    ...over
  }
}

export function workerInfo (id: NodeId, slots = 2, handlers: string[] = ['echo'], isMaster = false): WorkerInfo {
  return {
    id,
    capacity: { slots, cpus: 4, memTotalBytes: 1e9, memFreeBytes: 1e9, resources: {}, labels: {} },
    load: { running: 0, queued: 0, eventLoopDelayMs: 0, loadAvg1: 0 },
    handlers,
    isMaster
  }
}

/**
 * A tiny deterministic placement for unit tests: best queued task first, onto the first node (by
 * id) with the handler and a free slot, preferring nodes the task does not avoid.
 */
export const firstFit: PlaceFn = (queue, workers, _policy, _now, opts = {}) => {
  const used = new Map(workers.map(w => [w.id, w.placed.slots]))
  const nodes = [...workers].sort((a, b) => a.id < b.id ? -1 : 1)
  const decisions: PlacementDecision[] = []
  const later: TaskId[] = []
  const never: TaskId[] = []
  for (const task of queue.ordered()) {
    if (decisions.length >= (opts.maxDecisions ?? Infinity)) break
    const fits = nodes.filter(w => w.handlers.includes(task.type) && (used.get(w.id) ?? 0) + task.req.slots <= w.capacity.slots)
    const chosen = fits.find(w => !(task.avoidNodes ?? []).includes(w.id)) ?? fits[0]
    if (chosen === undefined) {
      if (nodes.some(w => w.handlers.includes(task.type))) later.push(task.id)
      else never.push(task.id)
      continue
    }
    used.set(chosen.id, (used.get(chosen.id) ?? 0) + task.req.slots)
    decisions.push({ taskId: task.id, nodeId: chosen.id, score: 0, candidates: [{ nodeId: chosen.id, score: 0 }], policy: 'first-fit' })
  }
  return { decisions, deferred: new Map<DeferReason, TaskId[]>([['no-capacity-now', later], ['no-eligible-node', never]]) }
}

/** The messages of one kind, narrowed, optionally only those to one node. */
export function sent<K extends TaskMessageKind> (out: readonly Outgoing[], kind: K, to?: NodeId): Array<Extract<TaskMessage, { kind: K }>> {
  return out
    .filter(o => o.msg.kind === kind && (to === undefined || o.to === to))
    .map(o => o.msg as Extract<TaskMessage, { kind: K }>)
}

/** Takes everything a state machine has produced so far. */
export function drain<R> (sm: { ready: () => R, advance: () => void }): R {
  const r = sm.ready()
  sm.advance()
  return r
}
