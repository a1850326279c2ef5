// Human-readable account of one placement decision: for `tasks explain` and debug logs.
import type { CandidateScore, PlacementDecision } from './types.js'

const TIER = { preferred: 0, none: 1, avoided: 2 } as const

function rank (c: CandidateScore): number {
  return TIER[c.preference ?? 'none']
}

/** Ranked like the placement loop ranks: preference tier, then score, then node id. */
function byRank (a: CandidateScore, b: CandidateScore): number {
  return rank(a) - rank(b) || (a.score ?? 0) - (b.score ?? 0) || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0)
}

function formatScore (score: number): string {
  return Number.isInteger(score) ? String(score) : score.toFixed(3)
}

/**
 * First line: the outcome. Then the eligible nodes best first (the chosen one marked with *),
 * then every ruled-out node with its reason, e.g.
 *   task t1 -> node B (policy least-loaded, score 0.250)
 *     * B: score 0.250
 *       A: score 0.500
 *       C: score 0.100 (avoided)
 *       D: ruled out: no free slot (2/2 used)
 * A preferred node shows the task's reason when it has one, e.g. "(holds cached result)".
 */
export function explainDecision (decision: PlacementDecision): string[] {
  const lines = [`task ${decision.taskId} -> node ${decision.nodeId} (policy ${decision.policy}, score ${formatScore(decision.score)})`]
  const eligible = decision.candidates.filter(c => c.score !== undefined).sort(byRank)
  for (const c of eligible) {
    const mark = c.nodeId === decision.nodeId ? '*' : ' '
    const preference = c.preference === undefined ? '' : ` (${c.preferReason ?? c.preference})`
    lines.push(`  ${mark} ${c.nodeId}: score ${formatScore(c.score ?? 0)}${preference}`)
  }
  for (const c of decision.candidates) {
    if (c.score === undefined) lines.push(`    ${c.nodeId}: ruled out: ${c.ruledOut ?? 'no reason recorded'}`)
  }
  return lines
}
