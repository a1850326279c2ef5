// Failure-detector timings. Both timeouts count from the last accepted heartbeat.
import type { Millis } from '../types.js'

export interface MembershipParams {
  /** Silence after which an alive member becomes suspect. */
  suspectMs: Millis
  /** Silence after which a member is declared dead. Must exceed suspectMs. */
  deadMs: Millis
  /** How long a dead member stays in the view (counted from its death) before it is dropped. */
  forgetMs: Millis
  /**
   * The heartbeat interval the timeouts are set for. A member announcing a longer interval
   * (Heartbeat.every) gets its timeouts stretched in proportion. Absent: never stretched.
   */
  heartbeatMs?: Millis
}

export const defaultMembershipParams: Readonly<MembershipParams> = Object.freeze({
  suspectMs: 1500,
  deadMs: 3000,
  forgetMs: 10 * 60 * 1000
})

/** Every problem with the given timings; empty when they are usable. */
export function validateMembershipParams (p: MembershipParams): string[] {
  const problems: string[] = []
  for (const key of ['suspectMs', 'deadMs', 'forgetMs'] as const) {
    const value = p[key]
    if (!Number.isFinite(value) || value <= 0) problems.push(`${key} must be a positive finite number, got ${value}`)
  }
  if (p.heartbeatMs !== undefined && !(Number.isFinite(p.heartbeatMs) && p.heartbeatMs > 0)) problems.push(`heartbeatMs must be a positive finite number, got ${p.heartbeatMs}`)
  if (!(p.suspectMs < p.deadMs)) problems.push(`suspectMs (${p.suspectMs}) must be < deadMs (${p.deadMs})`)
  return problems
}
