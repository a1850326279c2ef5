// Protocol ids and topic names. The version is part of every id so that a node of an
// incompatible version fails protocol negotiation instead of misreading frames.

export const PROTOCOL_PREFIX = '/mcp-cluster'
export const ELECTION_PROTOCOL = `${PROTOCOL_PREFIX}/election/1.0.0`
export const TASKS_PROTOCOL = `${PROTOCOL_PREFIX}/tasks/1.0.0`
/** One request and one response per stream: a peer's clock (doctor), a task's record (explain). */
export const QUERY_PROTOCOL = `${PROTOCOL_PREFIX}/query/1.0.0`

/** The gossip topic for heartbeats; the cluster name keeps clusters on one LAN apart. */
export function heartbeatTopic (cluster: string): string {
  return `${PROTOCOL_PREFIX}/${cluster}/heartbeat/1`
}

/** The mDNS service tag; nodes of other clusters are not discovered at all. */
export function mdnsServiceTag (cluster: string): string {
  return `_${cluster}._udp.local`
}
