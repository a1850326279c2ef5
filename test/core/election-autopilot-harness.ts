// A deterministic in-memory cluster of elections for the autopilot tests: one clock, instant
// delivery (unless a message is dropped), membership health derived from who is up, and disks that
// survive kills.
import { Election } from '../../src/core/election/election.js'
import { defaultElectionParams } from '../../src/core/election/params.js'
import type {
  ElectionEvent, ElectionMessage, ElectionParams, MemberHealth, PersistedElectionState
} from '../../src/core/election/types.js'
import type { ClusterClaim, NodeId } from '../../src/core/types.js'

export const AP: ElectionParams = { ...defaultElectionParams, replaceDeadVoterAfterMs: 1000, promoteAfterAliveMs: 300 }

export class Harness {
  readonly nodes = new Map<NodeId, Election>()
  readonly disks = new Map<NodeId, PersistedElectionState>()
  readonly events: Array<{ node: NodeId, event: ElectionEvent }> = []
  readonly sent: Array<{ from: NodeId, to: NodeId, msg: ElectionMessage }> = []
  /** Return true to lose a message. */
  drop: (from: NodeId, to: NodeId, msg: ElectionMessage) => boolean = () => false
  /** What `observer`'s membership says of `id`, when the default (up: alive, down: dead) will not do. */
  health: (observer: NodeId, id: NodeId) => MemberHealth | undefined = () => undefined
  private readonly up = new Set<NodeId>()
  private readonly upSince = new Map<NodeId, number>()
  private readonly downSince = new Map<NodeId, number>()
  private inflight: Array<{ from: NodeId, to: NodeId, msg: ElectionMessage }> = []

  readonly params: ElectionParams

  /** `ids` sorted: bootstrap makes the lowest `voters` of them voters, the rest workers. */
  constructor (readonly ids: NodeId[], voters = 3) {
    this.params = { ...AP, expect: voters }
  }

  start (id: NodeId, now: number): void {
    this.nodes.set(id, new Election(id, this.params, { next: () => 0 }, now, this.disks.get(id)))
    this.up.add(id)
    this.upSince.set(id, now)
    this.downSince.delete(id)
  }

  kill (id: NodeId, now: number): void {
    this.up.delete(id)
    this.nodes.delete(id)
    this.downSince.set(id, now)
    this.inflight = this.inflight.filter(m => m.to !== id)
  }

  isUp (id: NodeId): boolean {
    return this.up.has(id)
  }

  node (id: NodeId): Election {
    const e = this.nodes.get(id)
    if (e === undefined) throw new Error(`${id} is down`)
    return e
  }

  /** Starts every node and runs until bootstrap agreed and a master exists. */
  boot (until = 600): void {
    for (const id of this.ids) this.start(id, 0)
    this.run(0, until)
  }

  run (from: number, to: number, every = 10): void {
    for (let t = from; t <= to; t += every) this.tick(t)
  }

  /** Runs until `done` holds after a tick; returns that time, or throws after `limit`. */
  runUntil (from: number, done: (now: number) => boolean, limit = 20_000): number {
    for (let t = from; t <= from + limit; t += 10) {
      this.tick(t)
      if (done(t)) return t
    }
    throw new Error(`not done within ${limit} ms of ${from}`)
  }

  tick (now: number): void {
    const claims = new Map<NodeId, ClusterClaim>()
    for (const [id, e] of this.nodes) claims.set(id, e.claim())
    for (const [id, e] of this.nodes) {
      const others = new Map([...claims].filter(([other]) => other !== id))
      e.observeClaims(others, [...others.keys()], now)
      e.observeMembers(this.membersSeenBy(id), now)
      e.tick(now)
      this.collect(id)
    }
    this.deliver(now)
  }

  master (now: number): NodeId | null {
    const masters = [...this.nodes].filter(([, e]) => e.isMaster(now)).map(([id]) => id)
    if (masters.length > 1) throw new Error(`two masters: ${masters.join(', ')}`)
    return masters[0] ?? null
  }

  eventsOf (id: NodeId, type: ElectionEvent['type']): ElectionEvent[] {
    return this.events.filter(e => e.node === id && e.event.type === type).map(e => e.event)
  }

  private membersSeenBy (observer: NodeId): Map<NodeId, MemberHealth> {
    const out = new Map<NodeId, MemberHealth>()
    for (const id of this.ids) {
      if (id === observer) continue
      const override = this.health(observer, id)
      if (override !== undefined) out.set(id, override)
      else if (this.up.has(id)) out.set(id, { state: 'alive', since: this.upSince.get(id)! })
      else if (this.downSince.has(id)) out.set(id, { state: 'dead', since: this.downSince.get(id)! })
    }
    return out
  }

  private collect (id: NodeId): void {
    const e = this.nodes.get(id)
    if (e === undefined) return
    const r = e.ready()
    if (r.persist !== undefined) this.disks.set(id, structuredClone(r.persist))
    for (const event of r.events) this.events.push({ node: id, event })
    for (const { to, msg } of r.messages) {
      const targets = to === 'all' ? this.ids.filter(x => x !== id) : [to]
      for (const t of targets) this.inflight.push({ from: id, to: t, msg })
    }
    e.advance()
  }

  private deliver (now: number): void {
    while (this.inflight.length > 0) {
      const m = this.inflight.shift()!
      const e = this.nodes.get(m.to)
      if (e === undefined || this.drop(m.from, m.to, m.msg)) continue
      this.sent.push(m)
      e.step(m.from, m.msg, now)
      this.collect(m.to)
    }
  }
}
