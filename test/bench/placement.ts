// Microbenchmark of a scheduling round: 50 workers, 10,000 queued tasks.
// Run: node .build-x/test/bench/placement.js   (prints the median of several runs)
import { placeTasks } from '../../src/core/scheduler/placement.js'
import { leastLoaded, type PlacementPolicy, spreadPolicy, binpack } from '../../src/core/scheduler/policy.js'
import { TaskQueue } from '../../src/core/scheduler/queue.js'
import type { PendingTask, WorkerState } from '../../src/core/scheduler/types.js'
import { seededRng, randomInt } from '../../src/core/random.js'

const WORKERS = 50
const QUEUED = 10_000
const SLOTS = 8
const RUNS = 21
const WARMUP = 10
const GiB = 1024 ** 3
const rng = seededRng(7)

function makeWorkers (busySlots: number): WorkerState[] {
  return Array.from({ length: WORKERS }, (_, i): WorkerState => ({
    id: `node-${String(i).padStart(2, '0')}`,
    isMaster: i === 0,
    handlers: i % 5 === 0 ? ['echo'] : ['echo', 'render'],
    capacity: { slots: SLOTS, cpus: 8, memTotalBytes: 16 * GiB, memFreeBytes: 12 * GiB, resources: i % 10 === 0 ? { gpu: 1 } : {} as Record<string, number>, labels: { zone: i % 2 === 0 ? 'lab' : 'edge' } },
    load: { running: busySlots, queued: 0, eventLoopDelayMs: randomInt(rng, 0, 20), loadAvg1: rng.next() * 4 },
    placed: { tasks: busySlots, slots: busySlots, cpus: 0, memoryBytes: 0, resources: {} }
  }))
}

function makeQueue (gpuOnly: boolean): TaskQueue {
  const q = new TaskQueue()
  for (let i = 0; i < QUEUED; i++) {
    const t: PendingTask = {
      id: `task-${i}`,
      type: i % 7 === 0 ? 'render' : 'echo',
      priority: randomInt(rng, 0, 5),
      enqueuedAt: i,
      seq: i,
      req: {
        slots: 1,
        cpus: i % 3 === 0 ? 1 : 0,
        memoryBytes: i % 4 === 0 ? 256 * 1024 ** 2 : 0,
        resources: gpuOnly || i % 50 === 0 ? { gpu: 1 } : {},
        constraints: i % 5 === 0 ? { zone: 'lab' } : {}
      },
      ...(i % 11 === 0 ? { preferNodes: ['node-07'] } : {})
    }
    q.push(t)
  }
  return q
}

function median (xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** Median wall time of one placeTasks call, and how many decisions it made. */
function measure (q: TaskQueue, workers: WorkerState[], policy: () => PlacementPolicy, maxDecisions?: number): { ms: number, decisions: number, deferred: number } {
  const times: number[] = []
  let decisions = 0
  let deferred = 0
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const p = policy()
    const start = performance.now()
    const result = placeTasks(q, workers, p, 100_000, maxDecisions === undefined ? {} : { maxDecisions })
    const elapsed = performance.now() - start
    if (run >= WARMUP) times.push(elapsed) // the first runs warm up the JIT
    decisions = result.decisions.length
    deferred = [...result.deferred.values()].reduce((n, ids) => n + ids.length, 0)
  }
  return { ms: median(times), decisions, deferred }
}

const results: Record<string, { msPerRound: number, decisions: number, deferred: number, usPerDecision: number | null }> = {}

function report (label: string, r: { ms: number, decisions: number, deferred: number }): void {
  const perDecision = r.decisions > 0 ? `${(r.ms * 1000 / r.decisions).toFixed(2)} µs/decision` : 'no decisions'
  results[label] = { msPerRound: r.ms, decisions: r.decisions, deferred: r.deferred, usPerDecision: r.decisions > 0 ? r.ms * 1000 / r.decisions : null }
  console.error(`${label.padEnd(52)} ${r.ms.toFixed(3).padStart(8)} ms/round  ${String(r.decisions).padStart(4)} placed  ${String(r.deferred).padStart(5)} deferred  ${perDecision}`)
}

const buildStart = performance.now()
const queue = makeQueue(false)
console.error(`${WORKERS} workers x ${SLOTS} slots, ${QUEUED} queued (built in ${(performance.now() - buildStart).toFixed(1)} ms), median of ${RUNS} runs`)
report('empty cluster, least-loaded, fill every slot', measure(queue, makeWorkers(0), () => leastLoaded))
report('empty cluster, binpack, fill every slot', measure(queue, makeWorkers(0), () => binpack))
report('empty cluster, spread, fill every slot', measure(queue, makeWorkers(0), spreadPolicy))
report('half-busy cluster, least-loaded', measure(queue, makeWorkers(SLOTS / 2), () => leastLoaded))
report('one decision per round (maxDecisions 1)', measure(queue, makeWorkers(0), () => leastLoaded, 1))
report('saturated cluster (stops at once)', measure(queue, makeWorkers(SLOTS), () => leastLoaded))
report('worst case: free slots, every task needs a busy gpu', measure(makeQueue(true), makeWorkers(0).map(w => ({ ...w, placed: { ...w.placed, resources: { gpu: 1 } } })), () => leastLoaded))
process.stdout.write(JSON.stringify({ workers: WORKERS, slots: SLOTS, queued: QUEUED, runs: RUNS, results }) + '\n')
