// Time-stepped simulations of a master placing a steady stream of work: aging and node
// reservation must get the disadvantaged task placed within the documented bounds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { placeTasks } from '../../src/core/scheduler/placement.js'
import { leastLoaded } from '../../src/core/scheduler/policy.js'
import { TaskQueue } from '../../src/core/scheduler/queue.js'
import type { PendingTask, WorkerState } from '../../src/core/scheduler/types.js'
import { applyDecisions, task, worker } from './scheduler-fixtures.js'

const TICK = 100
const DURATION = 1000

interface Sim {
  nodes: WorkerState[]
  agingMs: number
  horizon: number
  /** Tasks and the time each one is submitted. */
  arrivals: PendingTask[]
}

/** Runs the master loop every TICK ms; every task runs DURATION ms. Returns when each task was placed. */
function simulate (sim: Sim): Map<string, number> {
  const q = new TaskQueue({ agingMs: sim.agingMs })
  const byId = new Map(sim.arrivals.map(t => [t.id, t]))
  const pending = [...sim.arrivals].sort((a, b) => a.enqueuedAt - b.enqueuedAt)
  const running: Array<{ id: string, nodeId: string, endsAt: number }> = []
  const placedAt = new Map<string, number>()
  let nodes = sim.nodes
  for (let now = 0; now <= sim.horizon; now += TICK) {
    // Finished tasks give their room back.
    for (const r of running.filter(r => r.endsAt <= now)) {
      const req = (byId.get(r.id) as PendingTask).req
      nodes = nodes.map(w => w.id !== r.nodeId ? w : { ...w, placed: { ...w.placed, tasks: w.placed.tasks - 1, slots: w.placed.slots - req.slots } })
      running.splice(running.indexOf(r), 1)
    }
    while (pending.length > 0 && (pending[0] as PendingTask).enqueuedAt <= now) assert.ok(q.push(pending.shift() as PendingTask).ok)
    const { decisions } = placeTasks(q, nodes, leastLoaded, now)
    nodes = applyDecisions(nodes, byId, decisions)
    for (const d of decisions) {
      q.remove(d.taskId)
      placedAt.set(d.taskId, now)
      running.push({ id: d.taskId, nodeId: d.nodeId, endsAt: now + DURATION })
    }
  }
  return placedAt
}

/** One high-priority task every `every` ms from 0 to horizon. */
function stream (prefix: string, every: number, horizon: number, patch: Parameters<typeof task>[1] = {}): PendingTask[] {
  return Array.from({ length: Math.floor(horizon / every) }, (_, i) => task(`${prefix}${i}`, { ...patch, enqueuedAt: i * every, seq: i * 2 }))
}

test('a low-priority task is placed within the aging bound under an overloading high-priority stream', () => {
  const agingMs = 1000
  const HIGH = 10
  const enqueuedAt = 2000
  const horizon = 60_000
  const nodes = [worker('a', { capacity: { slots: 2 } }), worker('b', { capacity: { slots: 2 } })]
  // 5 high tasks a second against room for 4 a second: the queue only grows.
  const high = stream('h', 200, horizon, { priority: HIGH })
  const low = task('low', { priority: 0, enqueuedAt, seq: 1 })

  const placedAt = simulate({ nodes, agingMs, horizon, arrivals: [...high, low] })
  // Bound: after enqueuedAt + (HIGH - 0) * agingMs nothing new overtakes `low`; then only the
  // high tasks still waiting that were enqueued before that moment run ahead of it, 4 per DURATION.
  const crossing = enqueuedAt + HIGH * agingMs
  const aheadAtCrossing = high.filter(h => h.enqueuedAt < crossing && (placedAt.get(h.id) ?? Infinity) >= crossing).length
  const bound = crossing + Math.ceil(aheadAtCrossing / 4) * DURATION + TICK
  const at = placedAt.get('low')
  assert.ok(at !== undefined && at <= bound, `low placed at ${at}, bound ${bound}`)
  assert.ok(aheadAtCrossing > 0, 'the stream really was backlogged')

  const withoutAging = simulate({ nodes, agingMs: 1e9, horizon, arrivals: [...high, low] })
  assert.equal(withoutAging.get('low'), undefined, 'control: without aging the low task starves')
})

test('a big task is not starved by small ones back-filling around it', () => {
  const agingMs = 2000
  const horizon = 30_000
  const nodes = [worker('a', { capacity: { slots: 4 } })]
  // A small task every 250 ms, each running 1000 ms: exactly enough to keep all 4 slots busy.
  const small = stream('s', 250, horizon)
  const big = task('big', { enqueuedAt: 100, seq: 1, req: { slots: 4 } })

  const placedAt = simulate({ nodes, agingMs, horizon, arrivals: [...small, big] })
  const at = placedAt.get('big')
  // It reserves the node once it has waited agingMs; the node then drains within DURATION.
  const bound = big.enqueuedAt + agingMs + DURATION + TICK
  assert.ok(at !== undefined && at <= bound, `big placed at ${at}, bound ${bound}`)
  const backFilled = small.filter(s => s.enqueuedAt > big.enqueuedAt && (placedAt.get(s.id) ?? Infinity) < (at ?? 0))
  assert.ok(backFilled.length > 0, 'small tasks behind it used the room while it waited')

  const withoutReservation = simulate({ nodes, agingMs: 1e9, horizon, arrivals: [...small, big] })
  assert.equal(withoutReservation.get('big'), undefined, 'control: pure back-fill starves it')
})
