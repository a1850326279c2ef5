// Election timing defaults and the relations between them that safety and liveness depend on.
// docs/election-safety.md derives the failover arithmetic for these values.
import type { ElectionParams } from './types.js'

/** Voter sets beyond this gain nothing (more messages, same safety); heartbeats carry at most 15 ids. */
export const MAX_VOTERS = 15

export const defaultElectionParams: Readonly<ElectionParams> = Object.freeze({
  // Three voters survive one failure; five survive two.
  expect: 3,
  // Failover after a crash takes between leaseMs - renewMs and leaseMs (+ back-off): 1 s keeps the
  // median under 1 s while tolerating ~750 ms event-loop stalls before a spurious failover.
  leaseMs: 1000,
  // Five renewal attempts per lease: three consecutive lost rounds still leave the lease valid.
  renewMs: 200,
  // Covers clocks running up to 5% apart (each within ±2.5% of real time); quartz drifts < 0.01%.
  maxDriftMs: 50,
  // Spreads competing campaigns apart far more than a loopback or LAN round trip (< 5 ms).
  backoffMaxMs: 150,
  // A box gone for a minute is gone: long enough to ride out a reboot or a switch restart.
  replaceDeadVoterAfterMs: 60_000,
  // Three heartbeats at the default 500 ms: a worker that just appeared may be flapping.
  promoteAfterAliveMs: 1500
})

export type ParamsCheck = { ok: true } | { ok: false, problems: string[] }

/** Checks each value and the relations between them; every problem says how to fix it. */
export function validateElectionParams (p: ElectionParams): ParamsCheck {
  const problems: string[] = []
  const positive = (name: keyof ElectionParams, value: number): boolean => {
    if (Number.isFinite(value) && value > 0) return true
    problems.push(`${name} must be a positive number of milliseconds, got ${value}`)
    return false
  }
  if (!Number.isInteger(p.expect) || p.expect < 1 || p.expect > MAX_VOTERS) {
    problems.push(`expect must be an integer from 1 to ${MAX_VOTERS} (3 or 5 are typical), got ${p.expect}`)
  }
  const lease = positive('leaseMs', p.leaseMs)
  const renew = positive('renewMs', p.renewMs)
  const drift = positive('maxDriftMs', p.maxDriftMs)
  const backoff = positive('backoffMaxMs', p.backoffMaxMs)
  positive('replaceDeadVoterAfterMs', p.replaceDeadVoterAfterMs)
  positive('promoteAfterAliveMs', p.promoteAfterAliveMs)
  if (lease && renew && p.renewMs >= p.leaseMs / 2) {
    problems.push(`renewMs (${p.renewMs}) must be below leaseMs/2 (${p.leaseMs / 2}) so that a lost renewal can be retried before the lease ends: lower renewMs or raise leaseMs`)
  }
  if (lease && drift && p.maxDriftMs >= p.leaseMs / 4) {
    problems.push(`maxDriftMs (${p.maxDriftMs}) must be below leaseMs/4 (${p.leaseMs / 4}), otherwise the master keeps too little of its lease: raise leaseMs or lower maxDriftMs`)
  }
  if (lease && renew && drift && p.leaseMs - p.maxDriftMs <= 2 * p.renewMs) {
    problems.push(`leaseMs - maxDriftMs (${p.leaseMs - p.maxDriftMs}) must exceed 2 * renewMs (${2 * p.renewMs}) so that the master gets at least two renewal attempts per lease: lower renewMs or raise leaseMs`)
  }
  if (lease && backoff && p.backoffMaxMs >= p.leaseMs) {
    problems.push(`backoffMaxMs (${p.backoffMaxMs}) must be below leaseMs (${p.leaseMs}), otherwise the back-off dominates failover time: lower backoffMaxMs`)
  }
  return problems.length === 0 ? { ok: true } : { ok: false, problems }
}
