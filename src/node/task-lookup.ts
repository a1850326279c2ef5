// GET /tasks/:id on any node: the master keeps a task's placement record (candidates, scores,
// attempts), the submitting node its result. A node that is not the master asks the master over
// the query protocol and merges the two, so `tasks explain` works wherever it is run.
import type { ClusterNode } from './cluster-node.js'
import type { TaskView } from '../core/tasks/table-types.js'
import type { TaskResult } from './task-api.js'
import { ask } from '../net/query.js'

/** The master should answer from memory at once; this only bounds a stalled one. */
const ASK_MASTER_TIMEOUT_MS = 3000

export interface TaskLookup {
  id: string
  /** The master's record: placements and their reasons, attempts and outcomes. */
  view?: TaskView
  /** This node's result, when it submitted the task. */
  result?: TaskResult
  /** Submitted from this node and not finished yet. */
  pending: boolean
  /** The master the record came from, when this node is not the master. */
  viewFrom?: string
  /** Why the master's record is missing, when this node knows the task but the master could not tell. */
  masterNote?: string
}

export type LookupOutcome = { found: true, answer: TaskLookup } | { found: false, reason: string }

export async function lookUpTask (node: ClusterNode, id: string): Promise<LookupOutcome> {
  const local = node.task(id)
  if (local?.view != null) return { found: true, answer: { id, ...local } }
  const master = node.status().master
  const missing = (note: string): LookupOutcome => local == null
    ? { found: false, reason: `no task ${id} known to this node (${note})` }
    : { found: true, answer: { id, ...local, masterNote: note } }
  if (master == null) return missing('there is no master right now to hold its placement record; ask again once one is elected')
  if (master.id === node.id) return missing('this node is the master but has no record of it: an earlier master placed it, or it finished longer ago than the retention window')
  const p2p = node.p2p
  if (p2p == null) return missing('the node is not running')
  const r = await ask(p2p, master.id, { kind: 'task', id }, ASK_MASTER_TIMEOUT_MS)
  if (!r.ok) return missing(`the master ${master.id} could not be asked: ${r.reason}`)
  const res = r.value.response
  if (res.kind !== 'task' || !res.found || res.view == null) {
    return missing(`the master ${master.id} has no record of it: check the id; or an earlier master placed it, or it finished longer ago than the retention window`)
  }
  return {
    found: true,
    answer: { id, view: res.view, ...(local?.result != null ? { result: local.result } : {}), pending: local?.pending ?? false, viewFrom: master.id }
  }
}
