// Per-peer token buckets: the master admits at most `ratePerSec` submitted tasks per second from
// each peer (with bursts up to `burst`), so that one peer cannot flood the queue that everybody
// shares. Pure: time arrives as `now`.
import type { Millis, NodeId } from '../types.js'

export interface RateLimitParams {
  /** Tokens added per second. */
  ratePerSec: number
  /** Most tokens a bucket holds: the largest burst admitted at once. */
  burst: number
  /**
   * Buckets kept before idle ones are swept. A full bucket carries no state (a new one is full
   * too), so sweeping it changes no answer; this only bounds memory against many peer ids.
   */
  maxPeers?: number
}

interface Bucket { tokens: number, at: Millis }

const DEFAULT_MAX_PEERS = 1024

export class PeerRateLimiter {
  private readonly buckets = new Map<NodeId, Bucket>()
  private readonly maxPeers: number

  constructor (private readonly params: RateLimitParams) {
    if (!(params.ratePerSec > 0) || !(params.burst >= 1)) throw new RangeError(`rate limit needs ratePerSec > 0 and burst >= 1, got ${params.ratePerSec} and ${params.burst}`)
    this.maxPeers = params.maxPeers ?? DEFAULT_MAX_PEERS
  }

  /** Takes up to `wanted` tokens from `peer`'s bucket; returns how many it got (0..wanted). */
  take (peer: NodeId, wanted: number, now: Millis): number {
    const bucket = this.refilled(peer, now)
    const granted = Math.max(0, Math.min(wanted, Math.floor(bucket.tokens)))
    bucket.tokens -= granted
    return granted
  }

  private refilled (peer: NodeId, now: Millis): Bucket {
    let bucket = this.buckets.get(peer)
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxPeers) this.sweep(now)
      bucket = { tokens: this.params.burst, at: now }
      this.buckets.set(peer, bucket)
      return bucket
    }
    // A clock that goes back adds nothing (and takes nothing away).
    const elapsed = Math.max(0, now - bucket.at)
    bucket.tokens = Math.min(this.params.burst, bucket.tokens + elapsed * this.params.ratePerSec / 1000)
    bucket.at = Math.max(bucket.at, now)
    return bucket
  }

  private sweep (now: Millis): void {
    for (const [peer, bucket] of this.buckets) {
      const tokens = bucket.tokens + Math.max(0, now - bucket.at) * this.params.ratePerSec / 1000
      if (tokens >= this.params.burst) this.buckets.delete(peer)
    }
  }
}

/**
 * One log line per key per interval: a hostile or broken peer sending garbage must show in the
 * log without flooding it. Reports how many lines were held back since the last one.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: Millis, suppressed: number }>()

  constructor (private readonly intervalMs: Millis, private readonly maxKeys = DEFAULT_MAX_PEERS) {}

  /** Whether to log now for `key`; when yes, `suppressed` counts the lines skipped since the last. */
  allow (key: string, now: Millis): { log: true, suppressed: number } | { log: false } {
    const entry = this.last.get(key)
    if (entry !== undefined && now - entry.at < this.intervalMs) {
      entry.suppressed++
      return { log: false }
    }
    if (entry === undefined && this.last.size >= this.maxKeys) {
      for (const [k, e] of this.last) if (now - e.at >= this.intervalMs) this.last.delete(k)
      // Still full of recent keys: the new key is throttled with the rest rather than growing the map.
      if (this.last.size >= this.maxKeys) return { log: false }
    }
    const suppressed = entry?.suppressed ?? 0
    this.last.set(key, { at: now, suppressed: 0 })
    return { log: true, suppressed }
  }

  /** Fields to add to a line logged now for `key` (how many were held back), or null: stay quiet. */
  fields (key: string, now: Millis): { suppressedSinceLast?: number } | null {
    const t = this.allow(key, now)
    if (!t.log) return null
    return t.suppressed > 0 ? { suppressedSinceLast: t.suppressed } : {}
  }
}
