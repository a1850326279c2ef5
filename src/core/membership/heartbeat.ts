// What every node gossips about itself, and how two of its messages are ordered.
import type { Capacity, ClusterClaim, Load, NodeId, Role } from '../types.js'

/** How often a node gossips its heartbeat unless configured otherwise. */
export const DEFAULT_HEARTBEAT_MS = 500

export interface Heartbeat {
  id: NodeId
  /** Node start time in wall-clock ms: a restarted node gets a larger one. */
  incarnation: number
  /** +1 per heartbeat within an incarnation, starting at 0. */
  seq: number
  version: string
  addrs: string[]
  role: Role
  capacity: Capacity
  load: Load
  /** Task types this node can run. */
  handlers: string[]
  cluster: ClusterClaim
  /**
   * How often the sender publishes now (ms). It slows down in large clusters to bound the
   * gossip each node receives; receivers stretch its timeouts to match. Absent: the usual rate.
   */
  every?: number
}

/** Sent on graceful stop. Its seq is the next one after the last heartbeat, so it orders after it. */
export interface Leave {
  id: NodeId
  incarnation: number
  seq: number
}

/** The part of a message that orders it against the sender's other messages. */
export interface MessageOrder {
  incarnation: number
  seq: number
}

/** Lexicographic on (incarnation, seq): negative if a is older than b, 0 if equal, positive if newer. */
export function compareOrder (a: MessageOrder, b: MessageOrder): number {
  if (a.incarnation !== b.incarnation) return a.incarnation < b.incarnation ? -1 : 1
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1
  return 0
}

export type DeepReadonly<T> =
  T extends ReadonlyArray<infer E> ? ReadonlyArray<DeepReadonly<E>>
    : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T

export type FrozenHeartbeat = DeepReadonly<Heartbeat>

/**
 * A deep, frozen copy holding only the known fields: the view keeps these so that neither the
 * sender of the original object nor a reader of a snapshot can change what the view stored.
 */
export function freezeHeartbeat (hb: Heartbeat): FrozenHeartbeat {
  const { capacity, load, cluster } = hb
  return Object.freeze({
    id: hb.id,
    incarnation: hb.incarnation,
    seq: hb.seq,
    version: hb.version,
    addrs: Object.freeze([...hb.addrs]),
    role: hb.role,
    capacity: Object.freeze({
      slots: capacity.slots,
      cpus: capacity.cpus,
      memTotalBytes: capacity.memTotalBytes,
      memFreeBytes: capacity.memFreeBytes,
      resources: Object.freeze({ ...capacity.resources }),
      labels: Object.freeze({ ...capacity.labels })
    }),
    load: Object.freeze({
      running: load.running,
      queued: load.queued,
      eventLoopDelayMs: load.eventLoopDelayMs,
      loadAvg1: load.loadAvg1
    }),
    handlers: Object.freeze([...hb.handlers]),
    cluster: Object.freeze({
      voters: cluster.voters === null ? null : Object.freeze([...cluster.voters]),
      proposal: cluster.proposal === null ? null : Object.freeze([...cluster.proposal]),
      epoch: cluster.epoch,
      master: cluster.master,
      ...(cluster.configVersion !== undefined ? { configVersion: cluster.configVersion } : {})
    }),
    ...(hb.every !== undefined ? { every: hb.every } : {})
  })
}
