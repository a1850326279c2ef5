// A worker's results of deterministic tasks, by cache key: least recently used first out, bounded
// by bytes (each entry costs its result's JSON bytes plus its key), with a time-to-live read
// against the injected `now`. Results are kept as JSON text, so a caller that mutates a value it
// was given can never change what a later hit returns.
import type { Millis } from '../types.js'
import type { JsonValue } from '../tasks/types.js'
import { FifoMap } from '../tasks/fifo-map.js'

export const DEFAULT_CACHE_MAX_BYTES = 32 * 1024 * 1024

export interface ResultCacheStats {
  /** The byte bound; 0 means the cache is off. */
  maxBytes: number
  entries: number
  bytes: number
  hits: number
  misses: number
  /** Entries dropped to make room for newer ones. */
  evictions: number
  /** Entries found past their time-to-live (dropped when looked up). */
  expired: number
}

export interface StoreOutcome {
  /** False when the cache is off or the result alone is larger than the bound. */
  stored: boolean
  /** Keys dropped to make room, oldest use first. */
  evicted: string[]
}

interface Entry {
  /** Task type that produced it: the same key under another type is a different result. */
  type: string
  json: string
  bytes: number
  expiresAt: Millis
}

export class ResultCache {
  /** Oldest use first: a hit moves its entry to the end. */
  private readonly entries = new FifoMap<string, Entry>()
  private bytes = 0
  private hits = 0
  private misses = 0
  private evictions = 0
  private expired = 0

  constructor (readonly maxBytes: number = DEFAULT_CACHE_MAX_BYTES) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be an integer >= 0, got ${maxBytes}`)
  }

  /** The result stored under `key` by a task of `type`, if any and still fresh; counts a hit or a miss. */
  lookup (key: string, type: string, now: Millis): { value: JsonValue } | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined || entry.type !== type) {
      this.misses++
      return undefined
    }
    if (now >= entry.expiresAt) {
      this.drop(key, entry)
      this.expired++
      this.misses++
      return undefined
    }
    this.entries.delete(key)
    this.entries.set(key, entry)
    this.hits++
    return { value: JSON.parse(entry.json) as JsonValue }
  }

  /**
   * Keeps `json` (the result's JSON text, `resultBytes` its UTF-8 length) under `key` until
   * `now + ttlMs` (forever when ttlMs is undefined), evicting the least recently used entries
   * as needed. Replaces an earlier entry under the same key.
   */
  store (key: string, type: string, json: string, resultBytes: number, now: Millis, ttlMs?: number): StoreOutcome {
    const bytes = resultBytes + key.length
    if (bytes > this.maxBytes) return { stored: false, evicted: [] }
    const old = this.entries.get(key)
    if (old !== undefined) this.drop(key, old)
    const evicted: string[] = []
    while (this.bytes + bytes > this.maxBytes) {
      const oldest = this.entries.shift()
      if (oldest === undefined) break
      this.bytes -= oldest[1].bytes
      this.evictions++
      evicted.push(oldest[0])
    }
    this.entries.set(key, { type, json, bytes, expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : now + ttlMs })
    this.bytes += bytes
    return { stored: true, evicted }
  }

  stats (): ResultCacheStats {
    return { maxBytes: this.maxBytes, entries: this.entries.size, bytes: this.bytes, hits: this.hits, misses: this.misses, evictions: this.evictions, expired: this.expired }
  }

  private drop (key: string, entry: Entry): void {
    this.entries.delete(key)
    this.bytes -= entry.bytes
  }
}
