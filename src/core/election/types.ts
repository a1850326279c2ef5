// Vocabulary of the lease-based election: its parameters, messages, events, persisted state and status.
import type { Epoch, Millis, NodeId } from '../types.js'

export interface ElectionParams {
  /** How many voters the cluster bootstraps with (every node must be started with the same value). */
  expect: number
  /** How long a voter's promise lasts on the voter's own clock, from when it received the request. */
  leaseMs: number
  /** How often the master asks the voters to renew its lease. */
  renewMs: number
  /** Margin the master takes off its lease to cover clock-rate drift between nodes over one lease. */
  maxDriftMs: number
  /** Upper bound of the random wait before campaigning, so that voters rarely campaign together. */
  backoffMaxMs: number
  /** How long a voter must have been dead (per membership) before the master replaces it. */
  replaceDeadVoterAfterMs: number
  /** How long a worker must have been alive (not suspect) before it may replace a dead voter. */
  promoteAfterAliveMs: number
}

/**
 * One voter set in the sequence of configurations. Entries are ordered like Raft log entries, by
 * (term, version): a node promises nothing to a candidate whose latest entry is older than its own.
 */
export interface VoterConfig {
  /** 0 for the bootstrap set, +1 per committed change. */
  version: number
  /** Epoch of the master that proposed (or last re-proposed) this entry; 0 for the bootstrap set. */
  term: Epoch
  /** Sorted, unique. */
  voters: NodeId[]
}

/** What a node knows of the voter configuration: the committed set, and at most one change in flight. */
export interface ConfigKnowledge {
  committed: VoterConfig
  /** The next version (committed.version + 1), one voter added or removed; not in effect yet. */
  pending: VoterConfig | null
}

/** What membership says about one member, on this node's clock. */
export interface MemberHealth {
  state: 'alive' | 'suspect' | 'dead'
  /** When it entered that state. */
  since: Millis
}

/** One step of an automatic replacement: add a healthy worker, or remove a dead voter. */
export type VoterChange =
  | { op: 'add', voter: NodeId, replacing: NodeId, reason: string }
  | { op: 'remove', voter: NodeId, reason: string }

/** A candidate (or the master, to renew) asks a voter for its promise. */
export interface LeaseRequest {
  kind: 'lease-request'
  term: Epoch
  candidate: NodeId
  /** Identifies the round, so that a late answer is never counted for a newer round. */
  reqId: number
  /** The candidate's configuration; absent while it is the bootstrap set with no change in flight. */
  config?: ConfigKnowledge
}

/** A voter's answer; also tells a refused candidate what the voter has promised and for how long. */
export interface LeaseResponse {
  kind: 'lease-response'
  /** The term of the request being answered. */
  term: Epoch
  reqId: number
  granted: boolean
  promisedTerm: Epoch
  holder: NodeId | null
  /** How long the voter's current promise (or its post-restart quarantine) still runs, on its clock. */
  remainingMs: Millis
  /** The voter's configuration, sent only when the request's was older or missed a commit. */
  config?: ConfigKnowledge
}

/** The holder of a promise gives it back: it is not master at this term and never will be again. */
export interface Release {
  kind: 'release'
  term: Epoch
}

/** The stepping-down master asks one voter to campaign now; it implies a Release. */
export interface TimeoutNow {
  kind: 'timeout-now'
  term: Epoch
}

/** The master tells every node (workers too) the epoch and how long its lease still runs. */
export interface MasterAnnounce {
  kind: 'master-announce'
  term: Epoch
  master: NodeId
  leaseRemainingMs: Millis
  /** The master's committed voter set; absent while it is the bootstrap set. */
  config?: VoterConfig
}

export type ElectionMessage = LeaseRequest | LeaseResponse | Release | TimeoutNow | MasterAnnounce

/** Where an outgoing message goes: one node, or every node the adapter knows ('all'). */
export interface Outgoing {
  to: NodeId | 'all'
  msg: ElectionMessage
}

export type ElectionEvent =
  /** This node won a campaign and holds the master lease at `term`. */
  | { type: 'elected', term: Epoch, leaseRemainingMs: Millis }
  /** The master moved to a higher term without losing its lease (it had seen a higher term). */
  | { type: 'epoch-raised', from: Epoch, to: Epoch }
  /** The master's lease ran out before a quorum renewed it; it no longer acts as master. */
  | { type: 'lost-lease', term: Epoch }
  /** The master stepped down on request (node stopping) and handed over to `handoffTo`. */
  | { type: 'stepped-down', term: Epoch, handoffTo: NodeId | null }
  /** An announcement told this node of a master (another node) or of a new epoch. */
  | { type: 'new-master', term: Epoch, master: NodeId }
  /** The highest term seen grew (a campaign somewhere, or a message from a newer epoch). */
  | { type: 'term-advanced', from: Epoch, to: Epoch }
  | { type: 'campaign-started', term: Epoch, immediate: boolean }
  | { type: 'campaign-failed', term: Epoch, reason: string, retryInMs: Millis }
  /** The voter set is known: agreed from proposals, adopted from another member, or restored. */
  | { type: 'voters-agreed', voters: NodeId[], via: 'proposal' | 'adopted', alternatives: NodeId[][] }
  /** Another member reports a different agreed voter set than ours: operators must look. */
  | { type: 'voters-conflict', ours: NodeId[], theirs: NodeId[], reportedBy: NodeId }
  /** The fencing guard refused an order. */
  | { type: 'fenced', epoch: Epoch, from: NodeId, reason: string }
  /** This master proposed the next voter set: it takes effect once quorums of the old and new sets hold it. */
  | { type: 'config-proposed', version: number, change: 'add' | 'remove', voter: NodeId, reason: string }
  /** The committed voter set gained `voter` (committed here, or learned from the master). */
  | { type: 'voter-added', voter: NodeId, configVersion: number, voters: NodeId[] }
  /** The committed voter set lost `voter`, and why. */
  | { type: 'voter-removed', voter: NodeId, configVersion: number, voters: NodeId[], reason: string }

/**
 * What must survive a restart. The adapter writes it (atomically) before sending the messages
 * of the same batch, so that no promise is ever visible to a candidate before it is on disk.
 */
export interface PersistedElectionState {
  /** The highest term this voter has promised. */
  promisedTerm: Epoch
  /** Who it promised that term to, or null once released. */
  holder: NodeId | null
  /** The highest term seen anywhere: a restarted node never campaigns at or below it. */
  highestTerm: Epoch
  /** The committed voter set, sorted; null before bootstrap. */
  voters: NodeId[] | null
  /** Version and term of `voters` (absent in older files and for the bootstrap set: 0). */
  configVersion?: number
  configTerm?: Epoch
  /** The voter change this node has acknowledged and not yet seen committed. */
  pending?: VoterConfig | null
  /** Highest epoch the fencing guard has seen held by a master (absent in older files: 0). */
  masterEpoch?: Epoch
  /** The master of masterEpoch, when known. */
  master?: NodeId | null
}

/** Everything a step produced. The adapter persists, then sends, then reports the events. */
export interface Ready {
  messages: Outgoing[]
  events: ElectionEvent[]
  persist?: PersistedElectionState
}

export type ElectionRole = 'master' | 'candidate' | 'voter' | 'worker'

export interface KnownMaster {
  id: NodeId
  epoch: Epoch
  leaseRemainingMs: Millis
}

export interface ElectionStatus {
  role: ElectionRole
  /** Highest term seen. */
  term: Epoch
  /** The master whose lease this node believes valid right now (itself included), or null. */
  master: KnownMaster | null
  /** The committed voter set. */
  voters: NodeId[] | null
  /** Version of `voters`: 0 for the bootstrap set, +1 per committed change. */
  configVersion: number
  /** The voter change in flight, as far as this node knows. */
  pendingConfig: { version: number, voters: NodeId[] } | null
  proposal: NodeId[] | null
  /** The promise this voter currently holds out, or null. */
  promisedTo: { holder: NodeId, term: Epoch, remainingMs: Millis } | null
  /** Time left before a restarted voter may grant again (0 when not quarantined). */
  quarantineRemainingMs: Millis
  /** Highest epoch the fencing guard has accepted. */
  fencingEpoch: Epoch
}
