// Round-trip time, clock offset and clock-rate difference to a peer, from time queries
// (NTP-style). Pure: the samples carry every clock reading.

/** One time query: our clocks when it left and when the answer came, and the peer's clocks when it answered. */
export interface ClockSample {
  sentWallMs: number
  receivedWallMs: number
  sentMonoMs: number
  receivedMonoMs: number
  peerWallMs: number
  peerMonoMs: number
}

export interface ClockEstimate {
  /** The lowest round-trip time seen (ms). */
  rttMs: number
  /** Peer's wall clock minus ours, from the lowest-RTT sample (ms); off by at most rttMs / 2. */
  offsetMs: number
  samples: number
  /**
   * How much faster the peer's monotonic clock runs than ours (0.01 = 1 % faster), with the
   * most it can be off by. Null with fewer than two samples.
   */
  rate: { drift: number, uncertainty: number } | null
}

/** performance.now() is coarsened to at most 5 µs (browsers; Node is finer): readings are that fuzzy. */
const MONO_RESOLUTION_MS = 0.005

function rtt (s: ClockSample): number {
  return s.receivedMonoMs - s.sentMonoMs
}

function fastest (samples: readonly ClockSample[]): ClockSample | undefined {
  let best: ClockSample | undefined
  for (const s of samples) if (best === undefined || rtt(s) < rtt(best)) best = s
  return best
}

/**
 * The peer answered at some instant between our send and our receive, so its reading belongs to
 * the midpoint of the two, give or take half the round trip: the fastest sample gives the
 * tightest offset (offset = t1 - (t0 + t2) / 2). The rate compares how far the peer's monotonic
 * clock moved with how far ours did, between the fastest sample of the first half and of the
 * second half; each end is uncertain by half its round trip.
 */
export function estimateClock (samples: readonly ClockSample[]): ClockEstimate | null {
  const best = fastest(samples)
  if (best === undefined) return null
  const estimate: ClockEstimate = {
    rttMs: rtt(best),
    offsetMs: best.peerWallMs - (best.sentWallMs + best.receivedWallMs) / 2,
    samples: samples.length,
    rate: null
  }
  const half = Math.floor(samples.length / 2)
  const a = fastest(samples.slice(0, half))
  const b = fastest(samples.slice(half))
  if (a === undefined || b === undefined) return estimate
  const localSpan = (b.sentMonoMs + b.receivedMonoMs) / 2 - (a.sentMonoMs + a.receivedMonoMs) / 2
  // The true local span lies within localSpan ± slack; too short a span tells nothing.
  const slack = (rtt(a) + rtt(b)) / 2 + 2 * MONO_RESOLUTION_MS
  if (localSpan <= slack) return estimate
  const peerSpan = b.peerMonoMs - a.peerMonoMs
  estimate.rate = { drift: peerSpan / localSpan - 1, uncertainty: Math.abs(peerSpan) * slack / (localSpan * (localSpan - slack)) }
  return estimate
}

/**
 * The largest clock-rate difference the election tolerates: over one lease no clock may run
 * faster than leaseMs / (leaseMs - maxDriftMs) times another (docs/election-safety.md).
 */
export function driftBound (leaseMs: number, maxDriftMs: number): number {
  return leaseMs / (leaseMs - maxDriftMs) - 1
}
