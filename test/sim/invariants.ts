// What must hold at every step of every simulated run. Each check throws a SimViolation at the
// first breach, with enough detail to start debugging from the replayed trace.
import type { PersistedElectionState } from '../../src/core/election/types.js'
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

  constructor (private readonly nodes: readonly Observed[]) {}

  get masterStints (): number {
    return this.stints.length
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

  onVotersAgreed (node: NodeId, voters: readonly NodeId[]): void {
    const key = voters.join(',')
    if (this.agreedVoters === null) this.agreedVoters = key
    else if (this.agreedVoters !== key) throw new SimViolation(`${node} agreed voters [${key}] but others agreed [${this.agreedVoters}]`)
  }

  private see (node: NodeId, epoch: Epoch): void {
    if (epoch > (this.seenEpoch.get(node) ?? 0)) this.seenEpoch.set(node, epoch)
  }
}
