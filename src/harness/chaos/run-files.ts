// Where a run keeps its histories, and reading them back as one: what runChaos checks, and what
// anyone can check again later from a kept run directory.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { readHistory } from '../history.js'
import type { ChaosEvent } from './events.js'

export const CLIENT_LOG = 'client.jsonl'
export const FAULT_LOG = 'faults.jsonl'
/** Each node's event log, under its own directory (see LocalCluster's eventLogs). */
export const NODE_LOG = 'events.jsonl'

/** The merged, time-ordered history of the run kept in `dir`. */
export function readRunHistory (dir: string): ChaosEvent[] {
  const nodes = readdirSync(dir).filter(d => existsSync(join(dir, d, NODE_LOG))).map(d => join(dir, d, NODE_LOG))
  return readHistory([...nodes, join(dir, CLIENT_LOG), join(dir, FAULT_LOG)]) as ChaosEvent[]
}
