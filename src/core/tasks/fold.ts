// Batch compaction the adapter applies to everything it sends one peer in one frame.
import type { TaskMessage } from './messages.js'

/**
 * Drops `accepted` ids whose `result` travels in the same batch: the result settles the task at
 * the submitter, so the acceptance says nothing more. Order is kept; emptied messages go.
 */
export function foldAccepted (msgs: TaskMessage[]): TaskMessage[] {
  let results: Set<string> | undefined
  let acceptances = 0
  for (const m of msgs) {
    if (m.kind === 'result') (results ??= new Set()).add(m.id)
    else if (m.kind === 'accepted') acceptances++
  }
  if (results === undefined || acceptances === 0) return msgs
  const settled = results
  const out: TaskMessage[] = []
  for (const m of msgs) {
    if (m.kind !== 'accepted') {
      out.push(m)
      continue
    }
    const ids = m.ids.filter(id => !settled.has(id))
    if (ids.length > 0) out.push(ids.length === m.ids.length ? m : { kind: 'accepted', ids })
  }
  return out
}
