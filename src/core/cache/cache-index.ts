// The master's map of which node holds which cached result, learned from workers' `done`
// messages (a holder) and their eviction notes (no longer a holder). It is a hint for placement,
// never a source of results: a stale entry only sends a task to a node that then misses and runs
// it. Bounded: past maxKeys the least recently added key is forgotten.
import type { Millis, NodeId } from '../types.js'
import { FifoMap } from '../tasks/fifo-map.js'

export const DEFAULT_INDEX_MAX_KEYS = 100_000

export interface CacheIndexStats {
  keys: number
  /** (key, node) pairs: a key held by two nodes counts twice. */
  holdings: number
}

export class CacheIndex {
  /** Per key, each holder and when its copy expires. Oldest addition first. */
  private readonly byKey = new FifoMap<string, Map<NodeId, Millis>>()
  private readonly byNode = new Map<NodeId, Set<string>>()
  private holdings = 0

  constructor (private readonly maxKeys = DEFAULT_INDEX_MAX_KEYS) {}

  /** `node` holds the result of `key` until `expiresAt` (Infinity: until evicted). */
  add (key: string, node: NodeId, expiresAt: Millis): void {
    let holders = this.byKey.get(key)
    if (holders === undefined) {
      while (this.byKey.size >= this.maxKeys) {
        const oldest = this.byKey.oldest()
        if (oldest === undefined) break
        this.forgetKey(oldest)
      }
      holders = new Map()
    }
    this.byKey.delete(key)
    this.byKey.set(key, holders)
    if (!holders.has(node)) {
      this.holdings++
      let keys = this.byNode.get(node)
      if (keys === undefined) this.byNode.set(node, keys = new Set())
      keys.add(key)
    }
    holders.set(node, expiresAt)
  }

  has (key: string, node: NodeId): boolean {
    return this.byKey.get(key)?.has(node) === true
  }

  /** `node` no longer holds `key` (it evicted it). */
  remove (key: string, node: NodeId): void {
    const holders = this.byKey.get(key)
    if (holders === undefined || !holders.delete(node)) return
    this.holdings--
    if (holders.size === 0) this.byKey.delete(key)
    const keys = this.byNode.get(node)
    keys?.delete(key)
    if (keys?.size === 0) this.byNode.delete(node)
  }

  /** The node left or died: its memory, and every result in it, is gone. */
  dropNode (node: NodeId): void {
    const keys = this.byNode.get(node)
    if (keys === undefined) return
    for (const key of [...keys]) this.remove(key, node)
  }

  /** Nodes holding a fresh copy of `key`, sorted; expired holdings are dropped on the way. */
  holders (key: string, now: Millis): NodeId[] {
    const holders = this.byKey.get(key)
    if (holders === undefined) return []
    const fresh: NodeId[] = []
    for (const [node, expiresAt] of [...holders]) {
      if (now < expiresAt) fresh.push(node)
      else this.remove(key, node)
    }
    return fresh.sort()
  }

  stats (): CacheIndexStats {
    return { keys: this.byKey.size, holdings: this.holdings }
  }

  private forgetKey (key: string): void {
    for (const node of [...this.byKey.get(key)?.keys() ?? []]) this.remove(key, node)
    this.byKey.delete(key)
  }
}
