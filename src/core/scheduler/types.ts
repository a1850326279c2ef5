// The contract between the master's task table and the pure scheduler.
import type { Capacity, Load, Millis, NodeId } from '../types.js'

export type TaskId = string

/** What one task needs from the node that runs it. */
export interface TaskRequirements {
  /** Task slots it occupies (default 1). */
  slots: number
  cpus: number
  memoryBytes: number
  /** User-defined resources, e.g. { gpu: 1 }. */
  resources: Record<string, number>
  /** Label constraints: every key must be present on the node with exactly this value. */
  constraints: Record<string, string>
}

/** A task waiting in the master's queue. */
export interface PendingTask {
  id: TaskId
  type: string
  /** Higher runs first. */
  priority: number
  /** When it entered the queue (master's monotonic clock); drives aging. */
  enqueuedAt: Millis
  /** Arrival order, breaks ties between equal priorities (FIFO). */
  seq: number
  req: TaskRequirements
  /** Nodes to prefer when they fit. */
  preferNodes?: NodeId[]
  /**
   * Nodes holding this task's result in their cache. Preferred like preferNodes, and they need
   * no free room: they answer from the cache without using a slot (a stale entry is refused
   * when the node is full, and the task comes back).
   */
  cachedOn?: NodeId[]
  /** Nodes not to use (e.g. the worker whose attempt just failed), when another fits. */
  avoidNodes?: NodeId[]
}

/** Resources the master has placed on a node and not yet seen completed. */
export interface PlacedResources {
  tasks: number
  slots: number
  cpus: number
  memoryBytes: number
  resources: Record<string, number>
}

/** The master's view of one candidate worker when it places tasks. */
export interface WorkerState {
  id: NodeId
  capacity: Capacity
  /** Last gossiped load (may lag behind what the master placed). */
  load: Load
  /** Task types this node has handlers for. */
  handlers: string[]
  placed: PlacedResources
  /** The master itself, which may be excluded from running tasks (--no-master-tasks). */
  isMaster: boolean
}

export interface CandidateScore {
  nodeId: NodeId
  /** Present when the node was eligible; lower is better. */
  score?: number
  /** Present when the node was ruled out: why, in words (e.g. "no free slot (2/2 used)"). */
  ruledOut?: string
  /** Present when the task's preferNodes/avoidNodes ranked this node ahead of or behind every score. */
  preference?: 'preferred' | 'avoided'
  /** Why the node is preferred, when there is more to say than 'preferred' (e.g. 'holds cached result'). */
  preferReason?: string
}

export interface PlacementDecision {
  taskId: TaskId
  nodeId: NodeId
  score: number
  /** Every node considered, with its score or the reason it was ruled out: what `explain` shows. */
  candidates: CandidateScore[]
  policy: string
  /** The node holds the task's cached result: it answers without using room, so none was counted. */
  cached?: true
}

export type DeferReason =
  /** Some node could run it, but none has room right now. */
  | 'no-capacity-now'
  /** No current node could ever run it (handler, constraints or total capacity). */
  | 'no-eligible-node'

export interface PlacementResult {
  decisions: PlacementDecision[]
  deferred: Map<DeferReason, TaskId[]>
}
