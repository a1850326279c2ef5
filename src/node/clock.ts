// The one place that reads time for the state machines: a monotonic clock, so that wall-clock
// steps (NTP, a user changing the date) can never stretch or shrink a lease.
import { performance } from 'node:perf_hooks'

export interface Clock {
  /** Monotonic milliseconds. */
  now: () => number
}

export const systemClock: Clock = { now: () => performance.now() }
