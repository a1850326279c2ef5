// The /status snapshot: built from the pure views, no I/O.
import type { Capacity, Load, Role } from '../core/types.js'
import type { ElectionStatus } from '../core/election/types.js'
import type { HeartbeatBody } from './membership-driver.js'
import type { DeepReadonly, FrozenHeartbeat } from '../core/membership/heartbeat.js'
import type { ResultCacheStats } from '../core/cache/result-cache.js'
import type { CacheIndexStats } from '../core/cache/cache-index.js'

export interface MemberStatus {
  id: string
  state: 'alive' | 'suspect' | 'dead'
  role: Role
  version: string
  addrs: readonly string[]
  capacity: DeepReadonly<Capacity>
  load: Load
  handlers: readonly string[]
  /** Milliseconds since the last accepted heartbeat (0 for this node). */
  lastSeenMs: number
  /** For a dead member: 'left' (it said goodbye) or 'timeout' (it went silent). */
  deadReason?: 'left' | 'timeout'
  self: boolean
}

export interface ClusterStatus {
  self: { id: string, addresses: string[], role: Role, version: string, openCluster: boolean }
  master: { id: string, epoch: number, leaseRemainingMs: number } | null
  voters: readonly string[] | null
  /** Version of the voter set: 0 for the bootstrap set, +1 per replacement step. */
  configVersion: number
  /** A voter-set change the master has proposed and not yet committed, if any. */
  pendingVoters: readonly string[] | null
  epoch: number
  members: MemberStatus[]
  /** How this node talks to the others: what `doctor` and operators read first. */
  network?: NetworkStatus
  /** This node's result cache (see docs/tasks.md, "Result caching"). */
  cache?: CacheStatus
}

/** A node's result cache; on the master also its index of which node holds which key. */
export interface CacheStatus extends ResultCacheStats {
  /** The master's index of holders; null on other nodes. */
  index: CacheIndexStats | null
  /** On the master: tasks waiting for an identical task that is running (single-flight). */
  waiting: number
}

export interface NetworkStatus {
  connections: number
  /** Peers found by mDNS so far. */
  discovered: number
  /** The latest failed dial per peer not connected now, with our guess at the cause. */
  dialFailures: Array<{ peer: string, cause: string, reason: string, agoMs: number }>
  gossip: { published: number, received: number, rejected: number }
  /** Frames dropped because a peer's send queue was full. */
  droppedFrames: number
}

interface MemberLike {
  id: string
  state: 'alive' | 'suspect' | 'dead'
  lastSeenAt: number
  heartbeat: FrozenHeartbeat
  deadReason?: 'left' | 'timeout'
}

export interface StatusInput {
  now: number
  selfId: string
  addresses: string[]
  version: string
  secret: boolean
  self: HeartbeatBody
  members: readonly MemberLike[]
  election: ElectionStatus
  cache?: CacheStatus
}

export function buildStatus (i: StatusInput, network?: NetworkStatus): ClusterStatus {
  const self: MemberStatus = {
    id: i.selfId,
    state: 'alive',
    role: i.self.role,
    version: i.version,
    addrs: i.addresses,
    capacity: i.self.capacity,
    load: i.self.load,
    handlers: i.self.handlers,
    lastSeenMs: 0,
    self: true
  }
  const others: MemberStatus[] = i.members.map(m => ({
    id: m.id,
    state: m.state,
    role: m.heartbeat.role,
    version: m.heartbeat.version,
    addrs: m.heartbeat.addrs,
    capacity: m.heartbeat.capacity,
    load: m.heartbeat.load,
    handlers: m.heartbeat.handlers,
    lastSeenMs: Math.max(0, Math.round(i.now - m.lastSeenAt)),
    ...(m.deadReason !== undefined ? { deadReason: m.deadReason } : {}),
    self: false
  }))
  return {
    self: { id: i.selfId, addresses: i.addresses, role: i.self.role, version: i.version, openCluster: !i.secret },
    master: i.election.master,
    voters: i.election.voters,
    configVersion: i.election.configVersion,
    pendingVoters: i.election.pendingConfig?.voters ?? null,
    epoch: i.election.term,
    members: [self, ...others].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    ...(network != null ? { network } : {}),
    ...(i.cache != null ? { cache: i.cache } : {})
  }
}
