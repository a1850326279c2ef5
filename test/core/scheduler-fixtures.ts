// Builders, fast-check generators and an independent capacity model for the scheduler tests.
import fc from 'fast-check'
import { TaskQueue, type TaskQueueOptions } from '../../src/core/scheduler/queue.js'
import type { PendingTask, PlacementDecision, TaskRequirements, WorkerState } from '../../src/core/scheduler/types.js'

export const GiB = 1024 ** 3

type WorkerPatch = Partial<Omit<WorkerState, 'capacity' | 'load' | 'placed'>> & {
  capacity?: Partial<WorkerState['capacity']>
  load?: Partial<WorkerState['load']>
  placed?: Partial<WorkerState['placed']>
}

export function worker (id: string, patch: WorkerPatch = {}): WorkerState {
  return {
    id,
    handlers: patch.handlers ?? ['echo'],
    isMaster: patch.isMaster ?? false,
    capacity: { slots: 4, cpus: 4, memTotalBytes: 8 * GiB, memFreeBytes: 8 * GiB, resources: {}, labels: {}, ...patch.capacity },
    load: { running: 0, queued: 0, eventLoopDelayMs: 0, loadAvg1: 0, ...patch.load },
    placed: { tasks: 0, slots: 0, cpus: 0, memoryBytes: 0, resources: {}, ...patch.placed }
  }
}

type TaskPatch = Partial<Omit<PendingTask, 'req'>> & { req?: Partial<TaskRequirements> }

let nextSeq = 0

export function task (id: string, patch: TaskPatch = {}): PendingTask {
  const { req, ...rest } = patch
  return {
    id,
    type: 'echo',
    priority: 0,
    enqueuedAt: 0,
    seq: nextSeq++,
    ...rest,
    req: { slots: 1, cpus: 0, memoryBytes: 0, resources: {}, constraints: {}, ...req }
  }
}

export function queueOf (tasks: PendingTask[], opts: TaskQueueOptions = {}): TaskQueue {
  const q = new TaskQueue(opts)
  for (const t of tasks) {
    const pushed = q.push(t)
    if (!pushed.ok) throw new Error(pushed.reason)
  }
  return q
}

export function ids (q: TaskQueue): string[] {
  return [...q.ordered()].map(t => t.id)
}

/** What the task table does with a round's decisions: count them as placed on their nodes. */
export function applyDecisions (workers: WorkerState[], tasks: Map<string, PendingTask>, decisions: PlacementDecision[]): WorkerState[] {
  return workers.map(w => {
    const placed = { ...w.placed, resources: { ...w.placed.resources } }
    for (const d of decisions) {
      if (d.nodeId !== w.id) continue
      const r = (tasks.get(d.taskId) as PendingTask).req
      placed.tasks += 1
      placed.slots += r.slots
      placed.cpus += r.cpus
      placed.memoryBytes += r.memoryBytes
      for (const [k, n] of Object.entries(r.resources)) placed.resources[k] = (placed.resources[k] ?? 0) + n
    }
    return { ...w, placed }
  })
}

/** The spec's view of a node's free room, written independently of src/core/scheduler/fit.ts. */
export interface Room {
  slots: number
  cpus: number
  memory: number
  resources: Record<string, number>
}

export function roomOf (w: WorkerState): Room {
  const resources: Record<string, number> = {}
  for (const [k, n] of Object.entries(w.capacity.resources)) resources[k] = n - (w.placed.resources[k] ?? 0)
  return {
    slots: w.capacity.slots - Math.max(w.load.running + w.load.queued, w.placed.slots),
    cpus: w.capacity.cpus - w.placed.cpus,
    memory: Math.min(w.capacity.memFreeBytes, w.capacity.memTotalBytes - w.placed.memoryBytes),
    resources
  }
}

export function take (room: Room, r: TaskRequirements): Room {
  const resources = { ...room.resources }
  for (const [k, n] of Object.entries(r.resources)) resources[k] = (resources[k] ?? 0) - n
  return { slots: room.slots - r.slots, cpus: room.cpus - r.cpus, memory: room.memory - r.memoryBytes, resources }
}

export function eligible (t: PendingTask, w: WorkerState, allowMasterTasks = true): boolean {
  if (w.isMaster && !allowMasterTasks) return false
  if (!w.handlers.includes(t.type)) return false
  return Object.entries(t.req.constraints).every(([k, v]) => w.capacity.labels[k] === v)
}

export function roomFits (t: PendingTask, room: Room): boolean {
  const r = t.req
  if (r.slots > room.slots) return false
  if (r.cpus > 0 && r.cpus > room.cpus) return false
  if (r.memoryBytes > 0 && r.memoryBytes > room.memory) return false
  return Object.entries(r.resources).every(([k, n]) => n <= 0 || n <= (room.resources[k] ?? 0))
}

// Generators: small clusters with deliberately tight, partly pre-used capacity, so that every
// dimension (slots, cpus, memory, gpu) runs out in some runs.
const zone = fc.constantFrom('lab', 'edge')
const handlers = fc.constantFrom<string[]>(['echo', 'render'], ['echo', 'render'], ['echo', 'render'], ['echo'], ['render'])

export const workerArb = (id: string): fc.Arbitrary<WorkerState> => fc.record({
  slots: fc.constantFrom(0, 2, 4, 6, 8, 10),
  cpus: fc.integer({ min: 0, max: 8 }),
  memTotal: fc.integer({ min: 1, max: 8 }),
  memFree: fc.integer({ min: 0, max: 8 }),
  gpu: fc.integer({ min: 0, max: 2 }),
  zone,
  handlers,
  isMaster: fc.boolean(),
  running: fc.constantFrom(0, 0, 1, 2, 3),
  queued: fc.constantFrom(0, 0, 0, 1),
  placedSlots: fc.constantFrom(0, 0, 1, 2, 4),
  placedCpus: fc.constantFrom(0, 0, 1, 2, 4),
  placedMem: fc.constantFrom(0, 0, 1, 2),
  placedGpu: fc.constantFrom(0, 0, 1),
  eventLoopDelayMs: fc.integer({ min: 0, max: 200 }),
  loadAvg1: fc.double({ min: 0, max: 8, noNaN: true })
}).map(g => worker(id, {
  handlers: g.handlers,
  isMaster: g.isMaster,
  capacity: { slots: g.slots, cpus: g.cpus, memTotalBytes: g.memTotal * GiB, memFreeBytes: g.memFree * GiB, resources: { gpu: g.gpu }, labels: { zone: g.zone } },
  load: { running: g.running, queued: g.queued, eventLoopDelayMs: g.eventLoopDelayMs, loadAvg1: g.loadAvg1 },
  placed: { tasks: g.placedSlots, slots: g.placedSlots, cpus: g.placedCpus, memoryBytes: g.placedMem * GiB, resources: { gpu: g.placedGpu } }
}))

export const workersArb: fc.Arbitrary<WorkerState[]> = fc.integer({ min: 2, max: 6 }).chain(n =>
  fc.tuple(...Array.from({ length: n }, (_, i) => workerArb(`n${i}`))))

export const tasksArb: fc.Arbitrary<PendingTask[]> = fc.array(fc.record({
  type: fc.constantFrom('echo', 'echo', 'echo', 'render', 'missing'),
  priority: fc.integer({ min: 0, max: 3 }),
  enqueuedAt: fc.integer({ min: 0, max: 20_000 }),
  slots: fc.constantFrom(1, 1, 1, 2, 3),
  cpus: fc.constantFrom(0, 0, 0, 0.5, 1, 2, 4),
  mem: fc.constantFrom(0, 0, 0, 1, 3),
  gpu: fc.constantFrom(0, 0, 0, 0, 1, 2),
  zone: fc.constantFrom(undefined, undefined, 'lab', 'edge'),
  prefer: fc.subarray(['n0', 'n1', 'n2']),
  avoid: fc.subarray(['n1', 'n3'])
}), { maxLength: 40, size: 'max' }).map(gs => gs.map((g, i) => task(`t${i}`, {
  type: g.type,
  priority: g.priority,
  enqueuedAt: g.enqueuedAt,
  seq: i,
  preferNodes: g.prefer,
  avoidNodes: g.avoid,
  req: {
    slots: g.slots,
    cpus: g.cpus,
    memoryBytes: g.mem * GiB,
    resources: g.gpu > 0 ? { gpu: g.gpu } : {},
    constraints: g.zone === undefined ? {} : { zone: g.zone }
  }
})))
