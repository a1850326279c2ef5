// How often a node publishes its heartbeat. Every node receives every other node's heartbeats,
// so at a fixed interval the gossip each node handles grows with the cluster (and the whole
// cluster's with its square). Past a budget of heartbeats per second per receiver, senders slow
// down in proportion to the cluster's size; they announce the interval (Heartbeat.every) and
// receivers stretch that sender's timeouts to match.

/** Heartbeats per second a node should have to receive, summed over all senders. */
export const HEARTBEAT_BUDGET_PER_SECOND = 20

/** The interval for a cluster of `members` nodes (this one included), never below `baseMs`. */
export function heartbeatInterval (baseMs: number, members: number): number {
  return Math.max(baseMs, Math.ceil(Math.max(1, members) * 1000 / HEARTBEAT_BUDGET_PER_SECOND))
}
