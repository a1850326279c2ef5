// Drives the pure membership view from gossip: publishes our heartbeat every heartbeatMs (slower
// in large clusters, see core/membership/cadence.ts), applies peers' heartbeats (through the
// gossip validator) and ticks the view.
import type { Logger } from 'pino'
import { MembershipView } from '../core/membership/view.js'
import { heartbeatInterval } from '../core/membership/cadence.js'
import { LogThrottle } from '../core/tasks/rate-limit.js'
import type { MembershipEvent } from '../core/membership/events.js'
import type { Heartbeat } from '../core/membership/heartbeat.js'
import { decodeGossip, encodeGossip } from '../wire/heartbeat.js'
import type { HeartbeatGossip, GossipVerdict } from '../net/gossip.js'
import type { Clock } from './clock.js'

/** Nudges this close together share one heartbeat. */
const NUDGE_DEBOUNCE_MS = 20

/** Our heartbeat without the fields the driver fills in. */
export type HeartbeatBody = Omit<Heartbeat, 'seq' | 'incarnation' | 'id'>

export interface MembershipDriverOptions {
  selfId: string
  suspectMs: number
  deadMs: number
  heartbeatMs: number
  clock: Clock
  log: Logger
  /** Builds our current heartbeat (everything but seq and incarnation). */
  heartbeat: () => HeartbeatBody
  onEvents: (events: MembershipEvent[]) => void
}

export class MembershipDriver {
  readonly view: MembershipView
  readonly incarnation: number
  private seq = 0
  private lastPublishAt = -Infinity
  /** The goodbye went out: no heartbeat may follow it. */
  private left = false
  private timer?: NodeJS.Timeout
  private nudgeTimer?: NodeJS.Timeout
  private gossip?: HeartbeatGossip
  /** A peer forwarding garbage shows in the log once per 10 s, not once per message. */
  private readonly rejections = new LogThrottle(10_000)

  constructor (private readonly opts: MembershipDriverOptions) {
    this.view = new MembershipView(opts.selfId, { suspectMs: opts.suspectMs, deadMs: opts.deadMs, forgetMs: 10 * 60_000, heartbeatMs: opts.heartbeatMs })
    // Wall-clock start time orders incarnations across restarts of the same identity.
    this.incarnation = Date.now()
  }

  /** Gossip validator callback: decode, authenticate and apply one message. */
  readonly onGossip = (from: string, data: Uint8Array): GossipVerdict => {
    const decoded = decodeGossip(data)
    if (!decoded.ok) {
      this.logRejection(from, { reason: decoded.reason }, 'rejected malformed gossip message')
      return 'reject'
    }
    const now = this.opts.clock.now()
    const msg = decoded.value
    const outcome = msg.kind === 'heartbeat'
      ? this.view.onHeartbeat(from, msg.hb, now)
      : this.view.onLeave(from, msg.leave, now)
    if (!outcome.accepted) {
      if (outcome.reason === 'forged') {
        this.logRejection(from, { claimed: msg.kind === 'heartbeat' ? msg.hb.id : msg.leave.id }, 'rejected heartbeat claiming another node\'s id')
        return 'reject'
      }
      return 'ignore'
    }
    if (outcome.events.length > 0) this.opts.onEvents(outcome.events)
    return 'accept'
  }

  private logRejection (from: string, detail: Record<string, unknown>, msg: string): void {
    const held = this.rejections.fields(from, this.opts.clock.now())
    if (held !== null) this.opts.log.warn({ from, ...detail, ...held }, msg)
  }

  start (gossip: HeartbeatGossip): void {
    this.gossip = gossip
    this.beat()
  }

  /** The interval now: the configured one, stretched once the cluster outgrows the gossip budget. */
  get intervalMs (): number {
    return heartbeatInterval(this.opts.heartbeatMs, 1 + this.view.liveCount())
  }

  private beat (): void {
    if (this.gossip == null || this.left) return
    void this.publish()
    clearTimeout(this.timer)
    this.timer = setTimeout(() => { this.beat() }, this.intervalMs)
  }

  tick (): void {
    const events = this.view.tick(this.opts.clock.now())
    if (events.length > 0) this.opts.onEvents(events)
  }

  /** Publish now (also used right after a role change so others learn it quickly). */
  async publish (): Promise<void> {
    // After the goodbye, a heartbeat (a role change or a subscription while closing) would
    // bring us back to life on every peer.
    if (this.gossip == null || this.left) return
    this.lastPublishAt = this.opts.clock.now()
    const every = this.intervalMs
    const hb: Heartbeat = {
      id: this.opts.selfId,
      incarnation: this.incarnation,
      seq: this.seq++,
      ...this.opts.heartbeat(),
      ...(every > this.opts.heartbeatMs ? { every } : {})
    }
    await this.gossip.publish(encodeGossip({ v: 1, kind: 'heartbeat', hb }))
  }

  /**
   * Publish soon: called when a peer subscribes to our topic, so that a newcomer learns about
   * us within milliseconds instead of at our next heartbeat. Nudges within 20 ms share one beat,
   * and beats come at most once per half interval (a nudge sooner waits for that), the regular
   * beat restarting from each: when a large cluster starts, every node sees every other
   * subscribe, and a beat per subscription, each sent to every node, made O(N^2) heartbeats.
   */
  nudge (): void {
    if (this.nudgeTimer != null || this.gossip == null || this.left) return
    const due = Math.max(NUDGE_DEBOUNCE_MS, this.lastPublishAt + this.intervalMs / 2 - this.opts.clock.now())
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = undefined
      this.beat()
    }, due)
  }

  /** Say goodbye so that peers mark us gone at once rather than after deadMs. */
  async leave (): Promise<void> {
    clearTimeout(this.timer)
    clearTimeout(this.nudgeTimer)
    this.nudgeTimer = undefined
    if (this.gossip == null || this.left) return
    this.left = true
    await this.gossip.publish(encodeGossip({ v: 1, kind: 'leave', leave: { id: this.opts.selfId, incarnation: this.incarnation, seq: this.seq++ } }))
  }

  stop (): void {
    clearTimeout(this.timer)
    clearTimeout(this.nudgeTimer)
    this.gossip = undefined
  }
}
