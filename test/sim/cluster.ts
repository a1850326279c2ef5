// A simulated cluster: real (simulation) time drives an event queue; every node has its own
// drifting clock, ticks every tickMs of that clock, gossips its claim, and, while master, sends
// fenced orders to everyone. Nodes crash (and restart from what they persisted, unless they are
// gone for good), pause (a paused node processes nothing; its clock keeps running), and leave
// gracefully. Each node's failure detector feeds the election's autopilot.
import { Election } from '../../src/core/election/election.js'
import type { ElectionEvent, ElectionMessage, ElectionParams, PersistedElectionState } from '../../src/core/election/types.js'
import { describeEvent, describeMessage } from '../../src/core/election/describe.js'
import { seededRng } from '../../src/core/random.js'
import type { ClusterClaim, Epoch, NodeId, Rng } from '../../src/core/types.js'
import { DriftingClock } from './clock.js'
import { EventQueue } from './event-queue.js'
import { SafetyMonitor, type Observed } from './invariants.js'
import { SimMembership, type DetectorTimings } from './membership.js'
import { SimNetwork } from './network.js'

export interface ClusterOptions {
  seed: number
  voters: number
  workers: number
  params: ElectionParams
  /** Largest deviation of a clock's rate from 1. */
  rateDeviation: number
  tickMs: number
  gossipMs: number
  /** When a node's failure detector calls a silent member suspect, then dead. */
  detector: DetectorTimings
  orderEveryMs: number
  /** Keep a readable trace of everything that happens (for replaying a failed seed). */
  trace: boolean
}

type Payload = { kind: 'election', msg: ElectionMessage } | { kind: 'order', epoch: Epoch }

export class SimNode implements Observed {
  incarnation = 0
  state: 'up' | 'down' | 'paused' = 'down'
  clock: DriftingClock
  election: Election | null = null
  disk: PersistedElectionState | undefined
  /** What arrived while paused, handled in order on resume. */
  inbox: Array<() => void> = []
  tickMissed = false
  nextOrderAt = -Infinity
  claim: ClusterClaim | null = null
  membership: SimMembership
  /** Crashed for good: heals and restarts pass it by until it is revived. */
  gone = false

  constructor (readonly id: NodeId, private readonly sim: SimCluster) {
    this.clock = new DriftingClock(0, 0, 1)
    this.membership = new SimMembership(sim.opts.detector)
  }

  get local (): number {
    return this.clock.read(this.sim.now)
  }

  holdsState (): boolean {
    return this.state !== 'down'
  }

  isMasterNow (): boolean {
    return this.election !== null && this.state !== 'down' && this.election.isMaster(this.local)
  }

  orderEpochNow (): Epoch | null {
    return this.election === null ? null : this.election.orderEpoch(this.local)
  }
}

export class SimCluster {
  readonly rng: Rng
  readonly net: SimNetwork
  readonly nodes: SimNode[]
  readonly monitor: SafetyMonitor
  readonly traceLines: string[] = []
  now = 0
  /** Latest time at which any message sent so far will be delivered. */
  lastDeliveryAt = 0
  /** Called after every event at a node that is master once the event is done. */
  onMasterSeen: (node: SimNode) => void = () => {}
  /** Called with every election event, once the node's batch is persisted and sent (to aim faults). */
  onElectionEvent: (node: SimNode, event: ElectionEvent) => void = () => {}
  private readonly queue = new EventQueue()

  constructor (readonly opts: ClusterOptions) {
    this.rng = seededRng(opts.seed)
    this.net = new SimNetwork(seededRng(opts.seed ^ 0x5eed))
    const count = opts.voters + opts.workers
    // Zero-padded so that sorted ids put the workers last: bootstrap picks the lowest ids as voters.
    this.nodes = Array.from({ length: count }, (_, i) => new SimNode(`n${String(i + 1).padStart(2, '0')}`, this))
    this.monitor = new SafetyMonitor(this.nodes)
  }

  node (id: NodeId): SimNode {
    const n = this.nodes.find(x => x.id === id)
    if (n === undefined) throw new Error(`no node ${id}`)
    return n
  }

  trace (line: string): void {
    if (this.opts.trace) this.traceLines.push(`${this.now.toFixed(3).padStart(10)} ${line}`)
  }

  at (real: number, action: () => void): void {
    this.queue.push(Math.max(real, this.now), action)
  }

  /** Runs events up to `until`, or until `stop()` says so after an event. */
  run (until: number, stop: () => boolean = () => false): void {
    while (this.queue.peekTime() <= until) {
      const e = this.queue.pop()!
      this.now = e.at
      e.fire()
      if (stop()) return
    }
    this.now = Math.max(this.now, until)
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  start (n: SimNode): void {
    if (n.state !== 'down' || n.gone) return
    n.incarnation++
    n.state = 'up'
    // A new process: its monotonic clock has nothing to do with the previous one's.
    n.clock = new DriftingClock(this.now, this.rng.next() * 1e6, this.drawRate())
    const jitterSeed = (this.opts.seed * 1009 + this.nodes.indexOf(n) * 97 + n.incarnation) >>> 0
    n.election = new Election(n.id, this.opts.params, seededRng(jitterSeed), n.local, n.disk)
    n.inbox = []
    n.tickMissed = false
    n.nextOrderAt = -Infinity
    n.claim = n.election.claim()
    n.membership = new SimMembership(this.opts.detector)
    this.trace(`${n.id} starts (incarnation ${n.incarnation}${n.disk === undefined ? ', fresh' : `, restored term ${n.disk.highestTerm}`})`)
    const incarnation = n.incarnation
    this.scheduleTick(n, incarnation, n.local + this.rng.next() * this.opts.tickMs)
    this.scheduleGossip(n, incarnation, n.local + this.rng.next() * this.opts.gossipMs)
  }

  crash (n: SimNode): void {
    if (n.state === 'down') return
    n.state = 'down'
    n.election = null
    n.claim = null
    n.inbox = []
    this.trace(`${n.id} crashes`)
  }

  /** The box is lost: the node stays down until revive(). */
  crashForGood (n: SimNode): void {
    this.crash(n)
    n.gone = true
    this.trace(`${n.id} is gone for good`)
  }

  /** A box thought lost comes back, with the disk it had. */
  revive (n: SimNode): void {
    if (!n.gone) return
    n.gone = false
    this.trace(`${n.id} comes back`)
    this.start(n)
  }

  pause (n: SimNode): void {
    if (n.state !== 'up') return
    n.state = 'paused'
    this.trace(`${n.id} pauses`)
  }

  resume (n: SimNode): void {
    if (n.state !== 'paused') return
    n.state = 'up'
    this.trace(`${n.id} resumes`)
    const inbox = n.inbox
    n.inbox = []
    for (const deliver of inbox) {
      if (n.state !== 'up') break
      deliver()
    }
    if (n.tickMissed && n.state === 'up') {
      n.tickMissed = false
      this.onTick(n, n.incarnation)
    }
  }

  /** node.stop(): step down (handing over if master), then the process exits a moment later. */
  leave (n: SimNode, exitAfterMs: number): void {
    if (n.state !== 'up' || n.election === null) return
    this.trace(`${n.id} leaves`)
    n.election.stepDown(n.local)
    this.flush(n)
    this.afterEvent(n)
    const incarnation = n.incarnation
    this.at(this.now + exitAfterMs, () => { if (n.incarnation === incarnation) this.crash(n) })
  }

  setRate (n: SimNode, rate: number): void {
    n.clock.setRate(this.now, rate)
  }

  drawRate (): number {
    const d = this.opts.rateDeviation
    const r = this.rng.next()
    // Half the clocks sit at the extremes, where a missing drift margin shows first.
    if (r < 0.25) return 1 - d
    if (r < 0.5) return 1 + d
    return 1 - d + 2 * d * this.rng.next()
  }

  // ---- node activity ------------------------------------------------------------------------

  private scheduleTick (n: SimNode, incarnation: number, local: number): void {
    this.at(n.clock.realWhen(local), () => { this.onTick(n, incarnation) })
  }

  private onTick (n: SimNode, incarnation: number): void {
    if (n.incarnation !== incarnation || n.state === 'down' || n.election === null) return
    if (n.state === 'paused') {
      n.tickMissed = true
      return
    }
    const now = n.local
    n.election.tick(now)
    this.flush(n)
    if (n.election.isMaster(now) && now >= n.nextOrderAt) {
      n.nextOrderAt = now + this.opts.orderEveryMs
      const epoch = n.election.orderEpoch(now)!
      for (const other of this.nodes) if (other !== n) this.send(n, other.id, { kind: 'order', epoch })
    }
    this.afterEvent(n)
    this.scheduleTick(n, incarnation, now + this.opts.tickMs)
  }

  private scheduleGossip (n: SimNode, incarnation: number, local: number): void {
    this.at(n.clock.realWhen(local), () => { this.onGossip(n, incarnation) })
  }

  /** Publishes our claim and reads the claims of the members we can hear (membership, simplified). */
  private onGossip (n: SimNode, incarnation: number): void {
    if (n.incarnation !== incarnation || n.state === 'down' || n.election === null) return
    if (n.state === 'up') {
      n.claim = n.election.claim()
      const now = n.local
      const claims = new Map<NodeId, ClusterClaim>()
      for (const other of this.nodes) {
        if (other === n || other.claim === null || !this.net.canReach(other.id, n.id)) continue
        claims.set(other.id, other.claim)
        // A paused process sends no heartbeats: its last claim lingers, but it goes silent.
        if (other.state === 'up') n.membership.heartbeat(other.id, now)
      }
      n.election.observeClaims(claims, [...claims.keys()], now)
      n.election.observeMembers(n.membership.health(now), now)
      this.flush(n)
      this.afterEvent(n)
    }
    this.scheduleGossip(n, incarnation, n.local + this.opts.gossipMs)
  }

  private send (from: SimNode, to: NodeId, payload: Payload): void {
    const target = this.node(to)
    for (const delay of this.net.deliveries(from.id, to)) {
      const at = this.now + delay
      this.lastDeliveryAt = Math.max(this.lastDeliveryAt, at)
      this.at(at, () => { this.deliver(from.id, target, payload) })
    }
  }

  private deliver (from: NodeId, n: SimNode, payload: Payload): void {
    if (n.state === 'down') return
    if (n.state === 'paused') {
      n.inbox.push(() => { this.deliver(from, n, payload) })
      return
    }
    const e = n.election!
    if (payload.kind === 'order') {
      const result = e.admitOrder(payload.epoch, from)
      this.monitor.onOrder(n.id, from, payload.epoch, result.ok)
      if (!result.ok) this.trace(`${n.id} fenced order epoch ${payload.epoch} from ${from}`)
    } else {
      this.trace(`${from} -> ${n.id} ${describeMessage(payload.msg)}`)
      if (payload.msg.kind === 'master-announce') this.monitor.onAnnounceDelivered(n.id, payload.msg.term)
      e.step(from, payload.msg, n.local)
    }
    this.flush(n)
    this.afterEvent(n)
  }

  /** The adapter's job: persist first, then send, then look at the events. */
  private flush (n: SimNode): void {
    const e = n.election!
    const ready = e.ready()
    if (ready.persist !== undefined) {
      this.monitor.onPersist(n.id, ready.persist)
      n.disk = structuredClone(ready.persist)
    }
    for (const { to, msg } of ready.messages) {
      if (to === n.id) throw new Error(`${n.id} addressed a message to itself`)
      if (to === 'all') {
        for (const other of this.nodes) if (other !== n) this.send(n, other.id, { kind: 'election', msg })
      } else {
        this.send(n, to, { kind: 'election', msg })
      }
    }
    for (const ev of ready.events) {
      if (ev.type === 'voters-agreed') this.monitor.onVotersAgreed(n.id, ev.voters)
      if (ev.type === 'config-proposed') this.monitor.onConfigProposed(n, ev.version)
      if (ev.type !== 'term-advanced') this.trace(`${n.id} ${describeEvent(ev)}`)
    }
    e.advance()
    for (const ev of ready.events) this.onElectionEvent(n, ev)
  }

  private afterEvent (n: SimNode): void {
    if (this.monitor.afterEvent(n, this.now)) this.onMasterSeen(n)
  }
}
