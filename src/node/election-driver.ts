// Runs the pure election over direct streams: ticks it, feeds it messages, persists its
// promises before anything it says leaves the node, and sends what it asks to send.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { checkPersistedConfig } from '../core/election/config.js'
import { Election } from '../core/election/election.js'
import type { FenceCheck } from '../core/election/fencing.js'
import type { ElectionEvent, ElectionMessage, ElectionParams, PersistedElectionState } from '../core/election/types.js'
import type { ClaimView, Epoch, Millis, NodeId, Rng } from '../core/types.js'
import { seededRng } from '../core/random.js'
import { LogThrottle } from '../core/tasks/rate-limit.js'
import { decodeElection, encodeElection } from '../wire/election.js'
import type { PeerChannels } from '../net/peer-channels.js'
import type { Clock } from './clock.js'
import { writeFileSyncAtomic } from './atomic-file.js'

export const ELECTION_STATE_FILE = 'election.json'

export interface ElectionDriverOptions {
  selfId: string
  dataDir: string
  params: ElectionParams
  clock: Clock
  log: Logger
  /** Every node we could address with 'all' (alive members). */
  peers: () => string[]
  onEvents: (events: ElectionEvent[]) => void
  /** After every flush, events or not (metrics time lease renewals and failovers from here). */
  afterFlush?: (events: readonly ElectionEvent[]) => void
}

export class ElectionDriver {
  readonly election: Election
  private channels?: PeerChannels
  private lastPersisted = ''
  /** One line per peer and kind per 10 s: a broken or hostile peer must not flood the log. */
  private readonly peerLogs = new LogThrottle(10_000)

  constructor (private readonly opts: ElectionDriverOptions) {
    const persisted = loadElectionState(opts.dataDir)
    this.lastPersisted = persisted == null ? '' : JSON.stringify(persisted)
    // Jitter only needs to differ between nodes; the seed makes a node's own run replayable.
    const seed = Number.parseInt(opts.selfId.slice(-8).replace(/[^0-9a-f]/gi, '0'), 16) ^ (Date.now() & 0xffff)
    this.election = new VoterGatedElection(opts.selfId, opts.params, seededRng(seed), opts.clock.now(), persisted, (from, kind, reason) => {
      this.logPeer(from, 'outsider', { from, kind, reason }, 'ignored an election message from a node outside the voter set')
    })
  }

  attach (channels: PeerChannels): void {
    this.channels = channels
  }

  readonly onFrame = (from: string, frame: Uint8Array): void => {
    const decoded = decodeElection(frame)
    if (!decoded.ok) {
      this.logPeer(from, 'malformed', { from, reason: decoded.reason }, 'dropped malformed election message')
      return
    }
    this.election.step(from, decoded.value, this.opts.clock.now())
    this.flush()
  }

  tick (): void {
    this.election.tick(this.opts.clock.now())
    this.flush()
  }

  /** Apply what the state machine produced: persist first, then send, then report. */
  flush (): void {
    const ready = this.election.ready()
    if (ready.persist != null) this.persist(ready.persist)
    for (const { to, msg } of ready.messages) {
      const frame = encodeElection(msg)
      const targets = to === 'all' ? this.opts.peers() : [to]
      for (const peer of targets) {
        if (peer !== this.opts.selfId) this.channels?.send(peer, frame)
      }
    }
    this.election.advance()
    if (ready.events.length > 0) this.opts.onEvents(ready.events)
    this.opts.afterFlush?.(ready.events)
  }

  private logPeer (peer: NodeId, what: string, fields: object, msg: string): void {
    const held = this.peerLogs.fields(`${what} ${peer}`, this.opts.clock.now())
    if (held !== null) this.opts.log.warn({ ...fields, ...held }, msg)
  }

  private persist (state: PersistedElectionState): void {
    const text = JSON.stringify(state)
    if (text === this.lastPersisted) return
    writeFileSyncAtomic(join(this.opts.dataDir, ELECTION_STATE_FILE), text)
    this.lastPersisted = text
  }
}

/** What this node knows of the voter set, to judge who may speak with a master's authority. */
export interface VoterKnowledge {
  /** The committed voter set; null while bootstrapping. */
  voters: readonly NodeId[] | null
  /** Voters of the change in flight, if this node knows of one. */
  pending: readonly NodeId[] | null
  version: number
  /** Alive members' latest heartbeat claims. */
  claims: ReadonlyMap<NodeId, ClaimView>
  alive: readonly NodeId[]
}

const ALLOWED: FenceCheck = { ok: true }

/**
 * May `from` speak for the election and give orders? Once this node knows the voter set, only
 * its voters may: a master always is one, since only members of the set are granted leases. So
 * a node outside it (a buggy or hostile insider holding the cluster secret) is ignored however
 * it claims to be master. A voter this node has not heard of (it missed a voter change) counts
 * once an alive voter it knows names it in its signed heartbeat.
 */
export function voterAuthority (from: NodeId, k: VoterKnowledge): FenceCheck {
  if (k.voters === null) return ALLOWED // bootstrapping: nothing to check against yet
  if (k.voters.includes(from) || k.pending?.includes(from) === true) return ALLOWED
  for (const witness of k.alive) {
    if (witness !== from && k.voters.includes(witness) && k.claims.get(witness)?.voters?.includes(from) === true) return ALLOWED
  }
  return { ok: false, reason: `${from} is not in the voter set (version ${k.version})` }
}

/**
 * The election as a node runs it: election messages and orders count only from voters (see
 * voterAuthority), and terms seen in heartbeat claims only from voters, since one hostile
 * heartbeat could otherwise push every node's term to the end of the number line.
 */
export class VoterGatedElection extends Election {
  private claimsSeen: ReadonlyMap<NodeId, ClaimView> = new Map()
  private aliveSeen: readonly NodeId[] = []

  constructor (self: NodeId, params: ElectionParams, rng: Rng, now: Millis, persisted: PersistedElectionState | undefined,
    private readonly onOutsider: (from: NodeId, kind: ElectionMessage['kind'], reason: string) => void) {
    super(self, params, rng, now, persisted)
  }

  override step (from: NodeId, msg: ElectionMessage, now: Millis): void {
    const authority = voterAuthority(from, this.knowledge())
    if (!authority.ok) {
      this.onOutsider(from, msg.kind, authority.reason)
      return
    }
    super.step(from, msg, now)
  }

  override admitOrder (epoch: Epoch, from: NodeId): FenceCheck {
    const authority = voterAuthority(from, this.knowledge())
    return authority.ok ? super.admitOrder(epoch, from) : authority
  }

  override observeClaims (claims: ReadonlyMap<NodeId, ClaimView>, aliveIds: readonly NodeId[], now: Millis): void {
    this.claimsSeen = claims
    this.aliveSeen = aliveIds
    const k = this.knowledge()
    let filtered: Map<NodeId, ClaimView> | null = null
    if (k.voters !== null) {
      for (const [id, claim] of claims) {
        if (claim.epoch === 0 || voterAuthority(id, k).ok) continue
        filtered ??= new Map(claims)
        filtered.set(id, { ...claim, epoch: 0 })
      }
    }
    super.observeClaims(filtered ?? claims, aliveIds, now)
  }

  private knowledge (): VoterKnowledge {
    return { ...this.voterSets(), claims: this.claimsSeen, alive: this.aliveSeen }
  }
}

/** Reads the persisted promise; a corrupt file is an error at start, never a silent reset. */
export function loadElectionState (dataDir: string): PersistedElectionState | undefined {
  const path = join(dataDir, ELECTION_STATE_FILE)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw new Error(`cannot read election state ${path}: ${err?.message ?? err}`)
  }
  let value: any
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error(`election state ${path} is corrupt (not JSON); if this node's data dir was damaged, move it away and the node will rejoin as a new worker`)
  }
  const termsOk = isTerm(value?.promisedTerm) && isTerm(value?.highestTerm) && (value?.masterEpoch === undefined || isTerm(value.masterEpoch))
  const idsOk = (value?.holder === null || isPeerId(value?.holder)) &&
    (value?.master === undefined || value.master === null || isPeerId(value.master))
  const votersOk = value?.voters === null || (Array.isArray(value?.voters) && value.voters.every(isPeerId))
  if (!termsOk || !idsOk || !votersOk) {
    throw new Error(`election state ${path} is not an mcp-cluster election state; move it away to start afresh`)
  }
  const configProblem = checkPersistedConfig(value)
  if (configProblem !== null) throw new Error(`election state ${path} has an invalid voter configuration (${configProblem}); move it away to start afresh`)
  return value as PersistedElectionState
}

function isTerm (v: unknown): boolean {
  return Number.isSafeInteger(v) && (v as number) >= 0
}

/** The shape of a peer id as the wire accepts it, so a restored id can be sent again. */
function isPeerId (v: unknown): boolean {
  return typeof v === 'string' && /^[A-Za-z0-9]{1,128}$/.test(v)
}
