// The master's queue of pending tasks: highest effective priority first, FIFO among equals,
// with continuous aging so that a low-priority task cannot be overtaken forever.
//
// Effective priority at time `now` is  priority + (now - enqueuedAt) / agingMs.
// Between two tasks the `now` terms cancel, so the order is that of the time-invariant key
//   key = priority * agingMs - enqueuedAt      (higher first; then seq; then id)
// and a plain binary heap on that key stays valid forever, however much time passes.
//
// Bound: a task of priority p enqueued at e is ahead of every task of priority q enqueued
// after e + (q - p) * agingMs. With priorities capped at pMax it is overtaken by nothing that
// arrives more than (pMax - p) * agingMs after it. The continuous order also refines the
// step-wise  priority + floor((now - enqueuedAt) / agingMs): whenever that value is strictly
// higher for one task, that task comes first.
import { siftDown, siftUp, popFirst, type Before } from './binary-heap.js'
import type { Millis } from '../types.js'
import type { PendingTask, TaskId } from './types.js'

export const DEFAULT_AGING_MS = 5000
export const DEFAULT_MAX_QUEUE = 100_000

export interface TaskQueueOptions {
  /** Waiting this long is worth one priority level (default 5000). */
  agingMs?: number
  /** Pushes beyond this many queued tasks are refused (default 100,000). */
  maxSize?: number
}

export type PushRefusal = 'queue-full' | 'duplicate-id' | 'invalid-order-fields'

export type PushResult =
  | { ok: true }
  | { ok: false, code: PushRefusal, reason: string }

interface Entry {
  task: PendingTask
  key: number
}

const entryBefore: Before<Entry> = (a, b) => {
  if (a.key !== b.key) return a.key > b.key
  if (a.task.seq !== b.task.seq) return a.task.seq < b.task.seq
  return a.task.id < b.task.id
}

export class TaskQueue {
  readonly agingMs: number
  readonly maxSize: number
  private readonly heap: Entry[] = []
  private readonly indexOf = new Map<TaskId, number>()
  /** Bumped on every change, so an ordered walk can detect that it went stale. */
  private version = 0
  private cached = 0
  private readonly moved = (entry: Entry, index: number): void => { this.indexOf.set(entry.task.id, index) }

  constructor (opts: TaskQueueOptions = {}) {
    this.agingMs = opts.agingMs ?? DEFAULT_AGING_MS
    this.maxSize = opts.maxSize ?? DEFAULT_MAX_QUEUE
    if (!(Number.isFinite(this.agingMs) && this.agingMs > 0)) throw new RangeError(`agingMs must be a positive number, got ${this.agingMs}`)
    if (!(Number.isInteger(this.maxSize) && this.maxSize > 0)) throw new RangeError(`maxSize must be a positive integer, got ${this.maxSize}`)
  }

  get size (): number {
    return this.heap.length
  }

  has (id: TaskId): boolean {
    return this.indexOf.has(id)
  }

  /** Queued tasks with `cachedOn` nodes: the only ones a round may still place once every slot is taken. */
  get cachedCount (): number {
    return this.cached
  }

  /** Adds a task; refuses (never evicts) when full. Keeps its own frozen copy so later edits by the caller cannot corrupt the order. */
  push (task: PendingTask): PushResult {
    if (this.indexOf.has(task.id)) return { ok: false, code: 'duplicate-id', reason: `task '${task.id}' is already queued` }
    if (this.heap.length >= this.maxSize) return { ok: false, code: 'queue-full', reason: `queue full (${this.maxSize} tasks)` }
    const key = task.priority * this.agingMs - task.enqueuedAt
    if (!Number.isFinite(key) || !Number.isFinite(task.seq)) {
      return { ok: false, code: 'invalid-order-fields', reason: `task '${task.id}' has a non-finite priority, enqueuedAt or seq` }
    }
    this.heap.push({ task: Object.freeze({ ...task }), key })
    if (task.cachedOn !== undefined) this.cached++
    siftUp(this.heap, this.heap.length - 1, entryBefore, this.moved)
    this.version++
    return { ok: true }
  }

  /** Removes a task by id; returns it, or undefined if it was not queued. */
  remove (id: TaskId): PendingTask | undefined {
    const index = this.indexOf.get(id)
    if (index === undefined) return undefined
    const removed = this.heap[index] as Entry
    const last = this.heap.pop() as Entry
    this.indexOf.delete(id)
    if (removed.task.cachedOn !== undefined) this.cached--
    if (index < this.heap.length) {
      this.heap[index] = last
      this.indexOf.set(last.task.id, index)
      if (index > 0 && entryBefore(last, this.heap[(index - 1) >> 1] as Entry)) siftUp(this.heap, index, entryBefore, this.moved)
      else siftDown(this.heap, index, entryBefore, this.moved)
    }
    this.version++
    return removed.task
  }

  /** The task's priority after aging, at `now`: what the queue order follows. */
  effectivePriority (task: PendingTask, now: Millis): number {
    return task.priority + (now - task.enqueuedAt) / this.agingMs
  }

  /**
   * Queued tasks, best first. Lazy: yielding k tasks costs O(k log k) whatever the queue size,
   * so a caller that stops early pays only for what it looked at. The order does not depend on
   * the current time (see the header). The queue must not change during the walk.
   */
  * ordered (): Generator<PendingTask, void, undefined> {
    const heap = this.heap
    if (heap.length === 0) return
    const version = this.version
    // Best-first walk of the heap tree: the next task is always the best of the frontier.
    const frontierBefore: Before<number> = (a, b) => entryBefore(heap[a] as Entry, heap[b] as Entry)
    const frontier = [0]
    while (frontier.length > 0) {
      const index = popFirst(frontier, frontierBefore)
      yield (heap[index] as Entry).task
      if (this.version !== version) throw new Error('TaskQueue changed during ordered()')
      const left = 2 * index + 1
      if (left < heap.length) {
        frontier.push(left)
        siftUp(frontier, frontier.length - 1, frontierBefore)
      }
      if (left + 1 < heap.length) {
        frontier.push(left + 1)
        siftUp(frontier, frontier.length - 1, frontierBefore)
      }
    }
  }
}
