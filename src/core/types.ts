// Vocabulary shared by the pure cores (membership, election, scheduler).
// Nothing in src/core may import libp2p, node:* modules, timers, Date or Math.random:
// time arrives as an argument (monotonic milliseconds) and randomness as an Rng.

/** A node's identity: its libp2p peer id in string form. */
export type NodeId = string

/** The election term; every order a master sends carries it as a fencing token. */
export type Epoch = number

/** Milliseconds on the local monotonic clock (performance.now() in production, a counter in tests). */
export type Millis = number

/** What a node offers. Advertised in every heartbeat. */
export interface Capacity {
  /** Task slots: never more concurrent tasks than this. */
  slots: number
  cpus: number
  memTotalBytes: number
  memFreeBytes: number
  /** User-defined resources, e.g. { gpu: 1 }. */
  resources: Record<string, number>
  /** User-defined labels, matched by task constraints, e.g. { zone: 'lab', gpu: 'true' }. */
  labels: Record<string, string>
}

/** How busy a node is right now. Advertised in every heartbeat. */
export interface Load {
  running: number
  queued: number
  eventLoopDelayMs: number
  loadAvg1: number
}

export type Role = 'master' | 'voter' | 'worker'

/** A deterministic random source in [0, 1). Injected so that simulations replay from a seed. */
export interface Rng {
  next: () => number
}

/**
 * What a node says in its heartbeat about the cluster it belongs to. Feeds the election's
 * bootstrap (agreeing the voter set) and lets workers learn who the master is.
 */
export interface ClusterClaim {
  /** The agreed voter set, sorted; null until bootstrap has completed on this node. */
  voters: NodeId[] | null
  /** This node's bootstrap proposal (sorted) while `voters` is null; null otherwise. */
  proposal: NodeId[] | null
  /** Highest epoch (term) this node has seen. */
  epoch: Epoch
  /** The node this one believes holds the master lease, or null. */
  master: NodeId | null
  /**
   * Version of `voters` (+1 per committed voter change). Absent means 0, the bootstrap set: nodes
   * leave it out until the first change, so that heartbeats stay readable by older nodes.
   */
  configVersion?: number
}

/** A claim as read from a peer's heartbeat: never modified by whoever reads it. */
export type ClaimView = Readonly<Omit<ClusterClaim, 'voters' | 'proposal'>> & {
  readonly voters: readonly NodeId[] | null
  readonly proposal: readonly NodeId[] | null
}
