// The chaos command's values: parsing durations ("60s", "2m", "1500ms") and fault lists, and
// writing a run's settings back as flags (to replay it, or to start it inside the LAN).
import { FAULT_KINDS, type FaultKind } from './events.js'
import type { ChaosOptions } from './run.js'

/** Mean time from one master fault to the next unless --fault-interval says otherwise. */
export const DEFAULT_FAULT_INTERVAL_MS = 6000

/** The flags that reproduce these settings (the same seed gives the same faults and load). */
export function chaosArgs (o: Pick<ChaosOptions, 'seed' | 'nodes' | 'durationMs' | 'faults' | 'rate' | 'faultIntervalMs' | 'leaseMs'>): string[] {
  return [
    '--seed', String(o.seed), '--nodes', String(o.nodes), '--duration', `${o.durationMs}ms`, '--faults', o.faults.join(','),
    '--rate', String(o.rate), '--fault-interval', `${o.faultIntervalMs ?? DEFAULT_FAULT_INTERVAL_MS}ms`,
    ...(o.leaseMs != null ? ['--lease-ms', String(o.leaseMs)] : [])
  ]
}

export type Parsed<T> = { ok: true, value: T } | { ok: false, reason: string }

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Milliseconds from "1500ms", "60s", "2m", "1h" or a bare number of seconds. */
export function parseDuration (text: string): Parsed<number> {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (m == null) return { ok: false, reason: `"${text}" is not a duration: use e.g. 60s, 2m or 1500ms` }
  const ms = Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!)
  if (ms <= 0) return { ok: false, reason: `duration "${text}" must be above zero` }
  return { ok: true, value: ms }
}

/** "kill,pause" -> ['kill', 'pause'], rejecting unknown names and duplicates. */
export function parseFaults (text: string): Parsed<FaultKind[]> {
  const names = text.split(',').map(s => s.trim()).filter(s => s !== '')
  if (names.length === 0) return { ok: false, reason: 'name at least one fault' }
  const out: FaultKind[] = []
  for (const n of names) {
    const kind = FAULT_KINDS.find(k => k === n)
    if (kind === undefined) return { ok: false, reason: `unknown fault "${n}": choose from ${FAULT_KINDS.join(', ')}` }
    if (!out.includes(kind)) out.push(kind)
  }
  return { ok: true, value: out }
}
