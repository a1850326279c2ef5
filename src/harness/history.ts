// Reading the nodes' event logs (see observability/event-log.ts) back as one history.
import { existsSync, readFileSync } from 'node:fs'
import type { HistoryEvent } from '../observability/event-log.js'

export type Recorded = HistoryEvent & { t: number, node: string }

/** Merge JSON-lines event logs into one history ordered by time (torn last lines are skipped). */
export function readHistory (files: string[]): Recorded[] {
  const out: Recorded[] = []
  for (const f of files) {
    if (!existsSync(f)) continue
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (line.trim() === '') continue
      try { out.push(JSON.parse(line) as Recorded) } catch { /* a line cut by SIGKILL */ }
    }
  }
  return out.sort((a, b) => a.t - b.t)
}
