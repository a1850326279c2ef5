// Property tests of whole scheduling rounds over random clusters and queues.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { placeTasks } from '../../src/core/scheduler/placement.js'
import { BUILTIN_POLICIES, createPolicy } from '../../src/core/scheduler/policy.js'
import type { PendingTask, PlacementResult, WorkerState } from '../../src/core/scheduler/types.js'
import { applyDecisions, eligible, queueOf, roomFits, roomOf, take, tasksArb, workersArb, type Room } from './scheduler-fixtures.js'

const scenario = fc.record({
  workers: workersArb,
  tasks: tasksArb,
  policy: fc.constantFrom(...BUILTIN_POLICIES),
  allowMasterTasks: fc.boolean(),
  agingMs: fc.constantFrom(1000, 10_000, 100_000),
  now: fc.integer({ min: 20_000, max: 40_000 })
})

const RUNS = { numRuns: 300 }

interface Round {
  before: WorkerState[]
  result: PlacementResult
  /** Task ids in the queue's order at this round. */
  order: string[]
}

type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never

/** Runs a few rounds, applying each round's decisions the way the task table would. */
function rounds (s: Scenario, count = 3): Round[] {
  const q = queueOf(s.tasks, { agingMs: s.agingMs })
  const byId = new Map(s.tasks.map(t => [t.id, t]))
  const policy = createPolicy(s.policy)
  let workers = s.workers
  const out: Round[] = []
  for (let i = 0; i < count; i++) {
    const order = [...q.ordered()].map(t => t.id)
    const result = placeTasks(q, workers, policy, s.now + i * 1000, { allowMasterTasks: s.allowMasterTasks })
    out.push({ before: workers, result, order })
    workers = applyDecisions(workers, byId, result.decisions)
    for (const d of result.decisions) q.remove(d.taskId)
  }
  return out
}

function taskMap (tasks: PendingTask[]): Map<string, PendingTask> {
  return new Map(tasks.map(t => [t.id, t]))
}

test('property: never over capacity on any dimension, round after round', () => {
  fc.assert(fc.property(scenario, s => {
    const byId = taskMap(s.tasks)
    for (const { before, result } of rounds(s)) {
      for (const w of before) {
        let room: Room = roomOf(w)
        const start = room
        for (const d of result.decisions) {
          if (d.nodeId !== w.id) continue
          const t = byId.get(d.taskId) as PendingTask
          room = take(room, t.req)
          // Each dimension the task asks for must still be non-negative after it lands.
          assert.ok(room.slots >= 0, `${w.id} slots ${start.slots} -> ${room.slots}`)
          if (t.req.cpus > 0) assert.ok(room.cpus >= 0, `${w.id} cpus -> ${room.cpus}`)
          if (t.req.memoryBytes > 0) assert.ok(room.memory >= 0, `${w.id} memory -> ${room.memory}`)
          for (const [k, n] of Object.entries(t.req.resources)) if (n > 0) assert.ok((room.resources[k] ?? 0) >= 0, `${w.id} ${k}`)
        }
      }
    }
  }), RUNS)
})

test('property: handlers, labels and master exclusion are respected', () => {
  fc.assert(fc.property(scenario, s => {
    const byId = taskMap(s.tasks)
    for (const { before, result } of rounds(s)) {
      for (const d of result.decisions) {
        const w = before.find(n => n.id === d.nodeId) as WorkerState
        assert.ok(eligible(byId.get(d.taskId) as PendingTask, w, s.allowMasterTasks), `${d.taskId} on ${d.nodeId}`)
      }
    }
  }), RUNS)
})

test('property: no placed task jumps a higher-priority task that was waiting for room on that node', () => {
  fc.assert(fc.property(scenario, s => {
    const byId = taskMap(s.tasks)
    for (const { before, result, order } of rounds(s)) {
      const position = new Map(order.map((id, i) => [id, i]))
      const pos = (id: string): number => position.get(id) as number
      for (const waiting of result.deferred.get('no-capacity-now') ?? []) {
        const d = byId.get(waiting) as PendingTask
        // The room each node had when `waiting` came up: only placements ahead of it in the order.
        const rooms = new Map(before.map(w => [w.id, roomOf(w)]))
        for (const dec of result.decisions) {
          if (pos(dec.taskId) < pos(waiting)) rooms.set(dec.nodeId, take(rooms.get(dec.nodeId) as Room, (byId.get(dec.taskId) as PendingTask).req))
        }
        for (const dec of result.decisions) {
          if (pos(dec.taskId) < pos(waiting)) continue
          const node = before.find(w => w.id === dec.nodeId) as WorkerState
          const couldHaveFit = eligible(d, node, s.allowMasterTasks) && roomFits(d, rooms.get(dec.nodeId) as Room)
          assert.ok(!couldHaveFit, `${dec.taskId} (lower) took ${dec.nodeId} where ${waiting} (higher) fitted`)
        }
      }
    }
  }), RUNS)
})

test('property: decisions and deferrals follow the queue order and the deferral reasons are right', () => {
  fc.assert(fc.property(scenario, s => {
    const byId = taskMap(s.tasks)
    for (const { before, result, order } of rounds(s)) {
      const decided = result.decisions.map(d => d.taskId)
      const now = result.deferred.get('no-capacity-now') ?? []
      const never = result.deferred.get('no-eligible-node') ?? []
      const examined = new Set([...decided, ...now, ...never])
      assert.equal(examined.size, decided.length + now.length + never.length, 'each task has one outcome')
      // What was examined is a prefix of the queue order.
      assert.deepEqual(order.slice(0, examined.size).filter(id => examined.has(id)), order.slice(0, examined.size))
      assert.deepEqual(decided, order.filter(id => decided.includes(id)))
      for (const id of [...now, ...never]) {
        const t = byId.get(id) as PendingTask
        const fitsEmpty = before.some(w => eligible(t, w, s.allowMasterTasks) && roomFits(t, {
          slots: w.capacity.slots, cpus: w.capacity.cpus, memory: w.capacity.memTotalBytes, resources: w.capacity.resources
        }))
        assert.equal(fitsEmpty, now.includes(id), `${id} deferred as ${now.includes(id) ? 'no-capacity-now' : 'no-eligible-node'}`)
      }
    }
  }), RUNS)
})

test('property: deterministic, and the caller\'s inputs are left untouched', () => {
  fc.assert(fc.property(scenario, s => {
    const workers = structuredClone(s.workers)
    const q = queueOf(s.tasks, { agingMs: s.agingMs })
    const orderBefore = [...q.ordered()]
    const a = placeTasks(q, workers, createPolicy(s.policy), s.now, { allowMasterTasks: s.allowMasterTasks })
    const b = placeTasks(q, [...workers].reverse(), createPolicy(s.policy), s.now, { allowMasterTasks: s.allowMasterTasks })
    assert.deepEqual(a, b)
    assert.deepEqual(workers, s.workers)
    assert.deepEqual([...q.ordered()], orderBefore)
  }), RUNS)
})
