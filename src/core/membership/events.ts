// What the view reports when a member's standing changes.
import type { Millis, NodeId } from '../types.js'

export type MemberState = 'alive' | 'suspect' | 'dead'

export type DeadReason = 'timeout' | 'left'

/** Heartbeat fields whose change produces an `update` event (load never does). */
export type HeartbeatField = 'version' | 'addrs' | 'role' | 'capacity' | 'handlers' | 'cluster'

export type MembershipEvent =
  | { type: 'join', id: NodeId, at: Millis, incarnation: number }
  | { type: 'suspect', id: NodeId, at: Millis, lastSeenAt: Millis }
  | { type: 'dead', id: NodeId, at: Millis, reason: DeadReason }
  | { type: 'recover', id: NodeId, at: Millis, from: 'suspect' | 'dead', restarted: boolean }
  /** The member runs a new incarnation: whatever it ran before is gone, whether or not we noticed it missing. */
  | { type: 'restart', id: NodeId, at: Millis, previousIncarnation: number, incarnation: number }
  | { type: 'update', id: NodeId, at: Millis, changed: HeartbeatField[] }
  | { type: 'forget', id: NodeId, at: Millis }
