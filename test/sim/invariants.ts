// What must hold at every step of every simulated run. Each check throws a SimViolation at the
// first breach, with enough detail to start debugging from the replayed trace.
import { compareEntries, lastEntry } from '../../src/core/election/config.js'
import { quorumOf } from '../../src/core/election/round.js'
import type { ConfigKnowledge, PersistedElectionState } from '../../src/core/election/types.js'
import type { Epoch, NodeId } from '../../src/core/types.js'

export class SimViolation extends Error {}

/** What the monitor may ask of a node: its lease and epoch as its own clock reads them now. */
export interface Observed {
  readonly id: NodeId
  /** Up or paused: a paused node's lease still counts, as it may resume while it runs. */
  holdsState: () => boolean
  isMasterNow: () => boolean
  orderEpochNow: () => Epoch | null
}

export class SafetyMonitor {
  /** Masters in the order their stints began: (node, epoch) each time either changes. */
  private readonly stints: Array<{ node: NodeId, epoch: Epoch, at: number }> = []
  private readonly holderOfEpoch = new Map<Epoch, NodeId>()
  private readonly promisedTo = new Map<string, NodeId>()
  private readonly persistedTermsOf = new Map<NodeId, { promised: Epoch, highest: Epoch }>()
  /** Highest epoch each node has been shown (announces delivered, orders accepted, own terms). */
  private readonly seenEpoch = new Map<NodeId, Epoch>()
  private agreedVoters: string | null = null
  /** The voter set committed as each version, wherever it was first persisted as committed. */
  private readonly committedSets = new Map<number, NodeId[]>()
  private highestCommitted = 0
  /** Each node's configuration as last persisted (what it has acknowledged, crash or not). */
  private readonly persistedConfig = new Map<NodeId, ConfigKnowledge>()
  private changes = 0

  constructor (private readonly nodes: readonly Observed[]) {}

  get masterStints (): number {
    return this.stints.length
  }

  /** Voter changes committed so far (additions and removals). */
  get committedChanges (): number {
    return this.changes
  }

  /**
   * Called after every event at `node`. A stint can only begin at an event of its own node, and
   * between events a lease can only run out, so checking here sees every overlap.
   */
  afterEvent (node: Observed, real: number): boolean {
    if (!node.isMasterNow()) return false
    for (const other of this.nodes) {
      if (other !== node && other.holdsState() && other.isMasterNow()) {
        throw new SimViolation(`two masters at ${real.toFixed(3)}: ${node.id} (epoch ${node.orderEpochNow()}) and ${other.id} (epoch ${other.orderEpochNow()})`)
      }
    }
    const epoch = node.orderEpochNow()!
    const last = this.stints[this.stints.length - 1]
    if (last === undefined || last.node !== node.id || last.epoch !== epoch) {
      if (last !== undefined && (epoch < last.epoch || (epoch === last.epoch && last.node !== node.id))) {
        throw new SimViolation(`epoch went back: ${node.id} is master at epoch ${epoch} at ${real.toFixed(3)} after ${last.node} at epoch ${last.epoch} (${last.at.toFixed(3)})`)
      }
      const holder = this.holderOfEpoch.get(epoch)
      if (holder !== undefined && holder !== node.id) {
        throw new SimViolation(`epoch ${epoch} held by two masters: ${holder} and ${node.id}`)
      }
      this.holderOfEpoch.set(epoch, node.id)
      this.stints.push({ node: node.id, epoch, at: real })
    }
    this.see(node.id, epoch)
    return true
  }

  /** A node persisted its state: promises and terms never go back, and a term has one holder per voter. */
  onPersist (node: NodeId, state: PersistedElectionState): void {
    const before = this.persistedTermsOf.get(node)
    if (before !== undefined && (state.promisedTerm < before.promised || state.highestTerm < before.highest)) {
      throw new SimViolation(`${node}'s terms went back: promised ${before.promised} -> ${state.promisedTerm}, highest ${before.highest} -> ${state.highestTerm}`)
    }
    this.persistedTermsOf.set(node, { promised: state.promisedTerm, highest: state.highestTerm })
    this.checkConfig(node, state)
    if (state.holder === null) return
    const key = `${node}@${state.promisedTerm}`
    const earlier = this.promisedTo.get(key)
    if (earlier !== undefined && earlier !== state.holder) {
      throw new SimViolation(`${node} promised term ${state.promisedTerm} to both ${earlier} and ${state.holder}`)
    }
    this.promisedTo.set(key, state.holder)
  }

  onAnnounceDelivered (node: NodeId, term: Epoch): void {
    this.see(node, term)
  }

  /** A node's fencing guard judged an order. */
  onOrder (node: NodeId, from: NodeId, epoch: Epoch, accepted: boolean): void {
    if (!accepted) return
    const seen = this.seenEpoch.get(node) ?? 0
    if (epoch < seen) throw new SimViolation(`${node} accepted an order at epoch ${epoch} from ${from} after seeing epoch ${seen}`)
    const holder = this.holderOfEpoch.get(epoch)
    if (holder !== from) throw new SimViolation(`${node} accepted an order at epoch ${epoch} from ${from}, but that epoch's master is ${holder ?? 'nobody'}`)
    this.see(node, epoch)
  }

  /**
   * A master put a voter change in flight: one change at a time, on top of the newest committed
   * set, by a node that holds the lease right now.
   */
  onConfigProposed (node: Observed, version: number): void {
    if (!node.isMasterNow()) throw new SimViolation(`${node.id} proposed voter set ${version} without holding the lease`)
    const k = this.persistedConfig.get(node.id)
    if (k === undefined || k.pending?.version !== version) throw new SimViolation(`${node.id} proposed voter set ${version} before persisting it`)
    if (k.committed.version !== this.highestCommitted) {
      throw new SimViolation(`${node.id} proposed voter set ${version} on top of set ${k.committed.version}, but set ${this.highestCommitted} is committed: two changes in flight`)
    }
  }

  /**
   * Configuration rules, checked at every write: a node's configuration never goes back; one voter
   * set per version, each one voter away from the previous; nothing proposed beyond the next
   * version; and a set is committed only once quorums of the previous set and of itself hold it.
   */
  private checkConfig (node: NodeId, state: PersistedElectionState): void {
    if (state.voters === null) return
    const k: ConfigKnowledge = {
      committed: { version: state.configVersion ?? 0, term: state.configTerm ?? 0, voters: state.voters },
      pending: state.pending ?? null
    }
    const before = this.persistedConfig.get(node)
    if (before !== undefined && (compareEntries(lastEntry(k), lastEntry(before)) < 0 || k.committed.version < before.committed.version)) {
      throw new SimViolation(`${node}'s voter configuration went back: ${describe(before)} -> ${describe(k)}`)
    }
    this.persistedConfig.set(node, k)
    const { version, voters } = k.committed
    const known = this.committedSets.get(version)
    if (known === undefined) this.firstCommit(node, k)
    else if (known.join() !== voters.join()) throw new SimViolation(`${node} committed voter set ${version} as [${voters}], but it is [${known}]`)
    if (k.pending !== null && k.pending.version > this.highestCommitted + 1) {
      throw new SimViolation(`${node} holds voter set ${k.pending.version} in flight while only set ${this.highestCommitted} is committed`)
    }
  }

  private firstCommit (node: NodeId, k: ConfigKnowledge): void {
    const { version, term, voters } = k.committed
    this.committedSets.set(version, [...voters])
    this.highestCommitted = Math.max(this.highestCommitted, version)
    if (version === 0) return
    this.changes++
    const previous = this.committedSets.get(version - 1)
    if (previous === undefined) throw new SimViolation(`${node} committed voter set ${version} before set ${version - 1} was committed`)
    const added = voters.filter(v => !previous.includes(v))
    const removed = previous.filter(v => !voters.includes(v))
    if (added.length + removed.length !== 1) {
      throw new SimViolation(`voter set ${version} [${voters}] is not one change away from set ${version - 1} [${previous}]`)
    }
    // Replacing adds first: a removal never takes the set below its bootstrap size.
    const bootstrapSize = this.committedSets.get(0)?.length ?? 0
    if (voters.length < bootstrapSize) {
      throw new SimViolation(`voter set ${version} [${voters}] removed ${removed[0]} before a replacement was added (bootstrap size ${bootstrapSize})`)
    }
    // Everyone who holds this entry (or a later one) on disk has acknowledged it.
    const holders = (set: readonly NodeId[]): number => set.filter(v => {
      const c = this.persistedConfig.get(v)
      return c !== undefined && compareEntries(lastEntry(c), { term, version }) >= 0
    }).length
    if (holders(previous) < quorumOf(previous.length)) {
      throw new SimViolation(`${node} committed voter set ${version} held by only ${holders(previous)} of the previous set [${previous}]`)
    }
    if (holders(voters) < quorumOf(voters.length)) {
      throw new SimViolation(`${node} committed voter set ${version} held by only ${holders(voters)} of itself [${voters}]`)
    }
  }

  onVotersAgreed (node: NodeId, voters: readonly NodeId[]): void {
    const key = voters.join(',')
    if (this.agreedVoters === null) this.agreedVoters = key
    else if (this.agreedVoters !== key) throw new SimViolation(`${node} agreed voters [${key}] but others agreed [${this.agreedVoters}]`)
  }

  private see (node: NodeId, epoch: Epoch): void {
    if (epoch > (this.seenEpoch.get(node) ?? 0)) this.seenEpoch.set(node, epoch)
  }
}

function describe (k: ConfigKnowledge): string {
  const entry = (c: { version: number, term: number, voters: readonly NodeId[] }): string => `v${c.version}@${c.term}[${c.voters}]`
  return k.pending === null ? entry(k.committed) : `${entry(k.committed)}+${entry(k.pending)}`
}
