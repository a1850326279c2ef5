// One scheduling round on the master: walks the queue best first and places each task on the
// best-scoring node that fits, in a local copy of the nodes so later tasks see earlier
// placements. Pure: the caller's queue, arrays and objects are left untouched, and the caller
// removes placed tasks from the queue itself.
//
// Cache locality: a node holding a task's cached result is preferred and needs no free room, since
// it answers without running anything; so such tasks are still placed when every slot is taken.
//
// Head-of-line: a task that fits nowhere now is skipped, so smaller tasks behind it can still use
// free room (back-fill). Once it has waited agingMs or more it reserves, for the rest of the
// round, the node closest to fitting it: tasks behind it may not use that node, so the node
// drains until the task fits. Tasks ahead of it are unaffected.
import type { Millis } from '../types.js'
import { describeMisfit, needsOf, neverFits, noRoomNow, shortfall, slotsInUse, withTask, type Needs, type NeverFit, type NoRoom } from './fit.js'
import { scoreCandidate, type PlacementPolicy } from './policy.js'
import type { TaskQueue } from './queue.js'
import type { CandidateScore, DeferReason, PendingTask, PlacementDecision, PlacementResult, TaskId, WorkerState } from './types.js'

export { explainDecision } from './explain.js'

export interface PlaceOptions {
  /** Stop after this many placements (default: no limit). */
  maxDecisions?: number
  /** Whether the master itself runs tasks (default true; false for --no-master-tasks). */
  allowMasterTasks?: boolean
}

type Misfit = NeverFit | NoRoom | 'reserved' | 'policy'

const PREFERRED = 0
const NEUTRAL = 1
const AVOIDED = 2

/** One task's verdict per node, reused across tasks of a round to keep the hot loop allocation-free. */
interface Verdicts {
  misfit: Array<Misfit | null>
  policyReason: string[]
  score: number[]
  tier: number[]
  /** Index of the chosen node, or -1. */
  best: number
  /** Some node passes handler, labels and total capacity (and master exclusion). */
  couldEverFit: boolean
  /** The policy ruled out some node: the verdict then depends on more than the task's shape. */
  policyRejected: boolean
}

/** A deferral, remembered for later tasks of the same shape (type and requirements) in the round. */
interface Memo {
  reason: DeferReason
  /** A starving task of this shape found no node left to reserve. */
  nothingToReserve: boolean
}

/** Equal strings mean equal type and requirements (key order aside, which only costs a miss). */
function shapeOf (task: PendingTask): string {
  const r = task.req
  // The common shape without resources or constraints skips stringifying the maps; it starts
  // with '"', the general form with '[', so the two never collide.
  if (isEmpty(r.resources) && isEmpty(r.constraints)) return `${JSON.stringify(task.type)},${r.slots},${r.cpus},${r.memoryBytes}`
  return JSON.stringify([task.type, r.slots, r.cpus, r.memoryBytes, r.resources, r.constraints])
}

function isEmpty (record: Record<string, unknown>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return false
  return true
}

function byId (a: WorkerState, b: WorkerState): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

function tierOf (task: PendingTask, w: WorkerState): number {
  // Avoid wins over prefer: avoidNodes usually names the node where the last attempt failed.
  if (task.avoidNodes?.includes(w.id) === true) return AVOIDED
  if (task.preferNodes?.includes(w.id) === true || task.cachedOn?.includes(w.id) === true) return PREFERRED
  return NEUTRAL
}

/** The node answers the task from its cache (and was not avoided, e.g. after a stale entry). */
function answersFromCache (task: PendingTask, w: WorkerState): boolean {
  return task.cachedOn !== undefined && task.cachedOn.includes(w.id) && task.avoidNodes?.includes(w.id) !== true
}

const HOLDS_CACHE = 'holds cached result'

function judge (needs: Needs, nodes: WorkerState[], reservedBy: Array<TaskId | undefined>, policy: PlacementPolicy, allowMasterTasks: boolean, v: Verdicts): void {
  const task = needs.task
  v.best = -1
  v.couldEverFit = false
  v.policyRejected = false
  for (let i = 0; i < nodes.length; i++) {
    const w = nodes[i] as WorkerState
    const never = neverFits(needs, w, allowMasterTasks)
    if (never !== null) {
      v.misfit[i] = never
      continue
    }
    v.couldEverFit = true
    const busy = task.cachedOn !== undefined && answersFromCache(task, w) ? null : reservedBy[i] !== undefined ? 'reserved' : noRoomNow(needs, w)
    if (busy !== null) {
      v.misfit[i] = busy
      continue
    }
    const score = scoreCandidate(policy, task, w)
    if (typeof score === 'string') {
      v.misfit[i] = 'policy'
      v.policyReason[i] = score
      v.policyRejected = true
      continue
    }
    v.misfit[i] = null
    v.score[i] = score
    const tier = v.tier[i] = tierOf(task, w)
    const best = v.best
    // Nodes are sorted by id, so keeping the first of equals breaks ties by id.
    if (best < 0 || tier < (v.tier[best] as number) || (tier === v.tier[best] && score < (v.score[best] as number))) v.best = i
  }
}

function candidates (needs: Needs, nodes: WorkerState[], reservedBy: Array<TaskId | undefined>, v: Verdicts): CandidateScore[] {
  return nodes.map((w, i): CandidateScore => {
    const misfit = v.misfit[i] ?? null
    if (misfit === null) {
      const tier = v.tier[i]
      const score = v.score[i] as number
      if (tier === PREFERRED) return answersFromCache(needs.task, w) ? { nodeId: w.id, score, preference: 'preferred', preferReason: HOLDS_CACHE } : { nodeId: w.id, score, preference: 'preferred' }
      if (tier === AVOIDED) return { nodeId: w.id, score, preference: 'avoided' }
      return { nodeId: w.id, score }
    }
    if (misfit === 'reserved') return { nodeId: w.id, ruledOut: `reserved for starving task '${reservedBy[i] ?? ''}'` }
    if (misfit === 'policy') return { nodeId: w.id, ruledOut: v.policyReason[i] ?? 'policy rejected' }
    return { nodeId: w.id, ruledOut: describeMisfit(misfit, needs, w) }
  })
}

/** The unreserved node that lacks only room and is closest to fitting the task, or -1. */
function nodeToReserve (needs: Needs, nodes: WorkerState[], v: Verdicts): number {
  let chosen = -1
  let least = Number.POSITIVE_INFINITY
  for (let i = 0; i < nodes.length; i++) {
    const misfit = v.misfit[i]
    if (misfit !== 'slots-busy' && misfit !== 'cpus-busy' && misfit !== 'memory-busy' && misfit !== 'resource-busy') continue
    const distance = shortfall(needs, nodes[i] as WorkerState)
    if (distance < least) {
      least = distance
      chosen = i
    }
  }
  return chosen
}

export function placeTasks (queue: TaskQueue, workers: WorkerState[], policy: PlacementPolicy, now: Millis, opts: PlaceOptions = {}): PlacementResult {
  const maxDecisions = opts.maxDecisions ?? Number.POSITIVE_INFINITY
  const allowMasterTasks = opts.allowMasterTasks ?? true
  const nodes = [...workers].sort(byId)
  const reservedBy: Array<TaskId | undefined> = nodes.map(() => undefined)
  const isOpen = (i: number): boolean => {
    const w = nodes[i] as WorkerState
    return reservedBy[i] === undefined && (allowMasterTasks || !w.isMaster) && slotsInUse(w) < w.capacity.slots
  }
  // Once no node has a free slot no task can be placed: stop instead of walking the whole queue.
  let open = 0
  for (let i = 0; i < nodes.length; i++) if (isOpen(i)) open++

  const decisions: PlacementDecision[] = []
  const noCapacityNow: TaskId[] = []
  const noEligibleNode: TaskId[] = []
  const v: Verdicts = { misfit: [], policyReason: [], score: [], tier: [], best: -1, couldEverFit: false, policyRejected: false }
  // Within a round room only shrinks (placements use it, reservations block it), so a shape that
  // fit nowhere still fits nowhere: a long queue of look-alike tasks that cannot run costs a
  // lookup per task instead of a check against every node. Starving tasks still look for a node
  // to reserve until none is left.
  const memos = new Map<string, Memo>()
  // Tasks a cache holder can answer still place when no slot is free: walk on until all are seen.
  let cachedAhead = queue.cachedCount

  for (const task of queue.ordered()) {
    if (decisions.length >= maxDecisions) break
    if (task.cachedOn !== undefined) cachedAhead--
    else if (open === 0) {
      if (cachedAhead === 0) break
      continue
    }
    const shape = shapeOf(task)
    const starving = now - task.enqueuedAt >= queue.agingMs
    // Where a task's result is cached decides more than its shape: its verdicts are not shared.
    const memo = task.cachedOn === undefined ? memos.get(shape) : undefined
    if (memo !== undefined && (!starving || memo.nothingToReserve)) {
      if (memo.reason === 'no-eligible-node') noEligibleNode.push(task.id)
      else noCapacityNow.push(task.id)
      continue
    }
    const needs = needsOf(task)
    judge(needs, nodes, reservedBy, policy, allowMasterTasks, v)
    const best = v.best
    if (best >= 0) {
      const node = nodes[best] as WorkerState
      const decision: PlacementDecision = { taskId: task.id, nodeId: node.id, score: v.score[best] as number, candidates: candidates(needs, nodes, reservedBy, v), policy: policy.name }
      decisions.push(decision)
      policy.chosen?.(node.id)
      if (task.cachedOn !== undefined && answersFromCache(task, node)) {
        decision.cached = true // it uses no room there
        continue
      }
      const wasOpen = isOpen(best)
      nodes[best] = withTask(node, needs)
      if (wasOpen && !isOpen(best)) open--
      continue
    }
    if (!v.couldEverFit) {
      noEligibleNode.push(task.id)
      memos.set(shape, { reason: 'no-eligible-node', nothingToReserve: true })
      continue
    }
    noCapacityNow.push(task.id)
    const reserve = starving ? nodeToReserve(needs, nodes, v) : -1
    if (reserve >= 0) {
      if (isOpen(reserve)) open--
      reservedBy[reserve] = task.id
    }
    // A policy may judge by more than the shape (priority, id), so its verdicts are not shared.
    if (!v.policyRejected && task.cachedOn === undefined) memos.set(shape, { reason: 'no-capacity-now', nothingToReserve: starving && reserve < 0 })
  }
  const deferred = new Map<DeferReason, TaskId[]>([['no-capacity-now', noCapacityNow], ['no-eligible-node', noEligibleNode]])
  return { decisions, deferred }
}

/**
 * Whether any current node could ever run the task: has its handler, matches its labels and has
 * enough total capacity. Used to refuse a submission up front, with the reasons when not.
 */
export function canEverFit (task: PendingTask, workers: WorkerState[], opts: Pick<PlaceOptions, 'allowMasterTasks'> = {}): { ok: true } | { ok: false, reason: string } {
  if (workers.length === 0) return { ok: false, reason: 'no nodes in the cluster' }
  const allowMasterTasks = opts.allowMasterTasks ?? true
  const needs = needsOf(task)
  const nodesByReason = new Map<string, string[]>()
  for (const w of [...workers].sort(byId)) {
    const never = neverFits(needs, w, allowMasterTasks)
    if (never === null) return { ok: true }
    const reason = describeMisfit(never, needs, w)
    const ids = nodesByReason.get(reason)
    if (ids === undefined) nodesByReason.set(reason, [w.id])
    else ids.push(w.id)
  }
  const parts = [...nodesByReason].map(([reason, ids]) => `${reason} (${listNodes(ids)})`)
  return { ok: false, reason: `no node can ever run it: ${parts.join('; ')}` }
}

const LISTED_NODES = 3

function listNodes (ids: string[]): string {
  const shown = ids.slice(0, LISTED_NODES).join(', ')
  const more = ids.length - LISTED_NODES
  return more > 0 ? `${shown} and ${more} more` : shown
}
