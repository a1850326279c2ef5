// A node's monotonic clock in the simulation: it starts at an arbitrary reading and runs at a
// rate that may change, but always stays within the drift bound the election assumes.
export class DriftingClock {
  private anchorReal: number
  private anchorLocal: number

  constructor (realNow: number, localStart: number, private currentRate: number) {
    this.anchorReal = realNow
    this.anchorLocal = localStart
  }

  get rate (): number {
    return this.currentRate
  }

  /** The clock's reading at simulation (real) time `real`. */
  read (real: number): number {
    return this.anchorLocal + (real - this.anchorReal) * this.currentRate
  }

  setRate (real: number, rate: number): void {
    this.anchorLocal = this.read(real)
    this.anchorReal = real
    this.currentRate = rate
  }

  /** Real time at which the clock will read `local`, at the current rate. */
  realWhen (local: number): number {
    return this.anchorReal + (local - this.anchorLocal) / this.currentRate
  }
}

/**
 * The widest rate spread that keeps the lease safe: a master whose clock runs at 1-d counts
 * (leaseMs - maxDriftMs) that last at most (leaseMs - maxDriftMs)/(1-d) of real time; a voter at
 * 1+d keeps its promise for at least leaseMs/(1+d). The first must not exceed the second:
 * d <= maxDriftMs / (2 leaseMs - maxDriftMs).
 */
export function maxSafeRateDeviation (leaseMs: number, maxDriftMs: number): number {
  return maxDriftMs / (2 * leaseMs - maxDriftMs)
}
