// Read-only copies of the table's records, for /status, `GET /tasks/:id` and `tasks explain`.
import type { PlacementDecision } from '../scheduler/types.js'
import type { TaskRecord, TaskView } from './table-types.js'

/** A deep enough copy that the caller cannot reach the table's own objects. */
export function taskView (rec: TaskRecord): TaskView {
  return {
    id: rec.id,
    state: rec.state,
    type: rec.spec?.type ?? null,
    priority: rec.spec?.priority ?? null,
    submitter: rec.submitter,
    submittedAt: rec.submittedAt,
    attempts: rec.attempts.map(a => ({
      attempt: a.attempt,
      node: a.node,
      epoch: a.epoch,
      placedAt: a.placedAt,
      startedAt: a.startedAt,
      endedAt: a.endedAt,
      outcome: a.outcome,
      detail: a.detail,
      decision: a.decision === null ? null : copyDecision(a.decision)
    })),
    notBefore: rec.state === 'queued' ? rec.notBefore : null,
    deferReason: rec.deferReason,
    result: rec.result === null ? null : { ...rec.result }
  }
}

function copyDecision (d: PlacementDecision): PlacementDecision {
  return { ...d, candidates: d.candidates.map(c => ({ ...c })) }
}
