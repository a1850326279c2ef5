// Keeps the node connected to every cluster peer it knows. libp2p 2.x neither dials what
// mDNS discovers nor reconnects after a partition heals, so we do both: dial on discovery,
// and re-dial known, unconnected peers on a timer with per-peer exponential back-off (a
// foreign node, e.g. one with another cluster secret, must not be hammered).
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from 'pino'
import type { ClusterLibp2p } from './libp2p.js'

export interface DialFailure {
  peer: string
  at: number
  reason: string
  /** Our best guess at the cause, in words, for `doctor`. */
  cause: 'refused' | 'timeout' | 'handshake' | 'other'
}

interface Target {
  peerId?: PeerId
  addr?: Multiaddr
  nextAttempt: number
  failures: number
}

export interface ConnectorOptions {
  explicitPeers: string[]
  /** How often unconnected peers are checked; also the first back-off after a failed dial (then doubling). */
  redialMs: number
  maxBackoffMs: number
  log: Logger
}

/**
 * Dials in flight at once. Nodes booting together all learn of each other within a second;
 * dialling everyone at once made N^2 handshakes compete for the CPU until they timed out and
 * were retried (50 nodes on 2 cores never connected). Known peers are dialled in the order
 * they were learned, so explicit seeds go first.
 */
export const MAX_PARALLEL_DIALS = 8

export function classifyDialError (message: string): DialFailure['cause'] {
  if (/ECONNREFUSED/i.test(message)) return 'refused'
  if (/timed? ?out|abort/i.test(message)) return 'timeout'
  if (/encrypt|handshake|noise|pnet|psk|protector|nonce|mac/i.test(message)) return 'handshake'
  return 'other'
}

export class Connector {
  private readonly targets = new Map<string, Target>()
  private timer?: NodeJS.Timeout
  private readonly inflight = new Set<string>()
  /** Latest failure per peer (or per explicit address), for `doctor` and /status. */
  readonly failures = new Map<string, DialFailure>()
  /** Peers discovered by mDNS (id -> first seen), for `doctor`. */
  readonly discovered = new Map<string, number>()

  constructor (private readonly node: ClusterLibp2p, private readonly opts: ConnectorOptions) {
    for (const a of opts.explicitPeers) {
      this.targets.set(`addr:${a}`, { addr: multiaddr(a), nextAttempt: 0, failures: 0 })
    }
  }

  start (): void {
    this.node.addEventListener('peer:discovery', this.onDiscovery)
    this.node.addEventListener('peer:connect', this.onConnect)
    this.tick()
    this.timer = setInterval(() => { this.tick() }, this.opts.redialMs)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.node.removeEventListener('peer:discovery', this.onDiscovery)
    this.node.removeEventListener('peer:connect', this.onConnect)
  }

  /** Remember a peer so that it is (re-)dialled until connected, after a partition too. */
  remember (peerId: PeerId): void {
    const key = peerId.toString()
    if (key === this.node.peerId.toString() || this.targets.has(key)) return
    this.targets.set(key, { peerId, nextAttempt: 0, failures: 0 })
  }

  /**
   * A cluster member learned from gossip (its heartbeat is signed, so it is one of us): note
   * its addresses so it can be dialled directly (the master's orders need a direct stream), and
   * keep it connected.
   */
  async learn (id: string, addrs: readonly string[]): Promise<void> {
    const peerId = peerIdFromString(id)
    const multiaddrs = addrs.flatMap((a) => { try { return [multiaddr(a)] } catch { return [] } })
    if (multiaddrs.length > 0) await this.node.peerStore.merge(peerId, { multiaddrs })
    this.remember(peerId)
  }

  /** A member membership has forgotten (dead for long): stop dialling it. */
  forget (id: string): void {
    this.targets.delete(id)
    this.failures.delete(id)
  }

  /** A peer the mDNS service found (wired by createClusterLibp2p's onMdnsPeer). */
  noteMdns (id: PeerId): void {
    if (!this.discovered.has(id.toString())) this.discovered.set(id.toString(), Date.now())
  }

  private readonly onDiscovery = (evt: CustomEvent<{ id: PeerId }>): void => {
    const id = evt.detail.id
    this.remember(id)
    this.attempt(id.toString())
  }

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    const key = evt.detail.toString()
    this.opts.log.debug({ peer: key }, 'connected')
    // Not remembered here: any stranger may connect; only discovered peers and members are kept.
    const t = this.targets.get(key)
    if (t != null) { t.failures = 0; t.nextAttempt = 0 }
    this.failures.delete(key)
  }

  private tick (): void {
    const now = Date.now()
    for (const [key, t] of this.targets) {
      if (t.nextAttempt <= now) this.attempt(key)
    }
  }

  private isConnected (t: Target): boolean {
    return t.peerId != null && this.node.getConnections(t.peerId).length > 0
  }

  private attempt (key: string): void {
    const t = this.targets.get(key)
    if (t == null || this.inflight.has(key) || this.inflight.size >= MAX_PARALLEL_DIALS || this.isConnected(t)) return
    const target = t.peerId ?? t.addr
    if (target == null) return
    this.inflight.add(key)
    this.node.dial(target, { signal: AbortSignal.timeout(5000) }).then((conn) => {
      t.failures = 0
      t.nextAttempt = 0
      // An explicit address becomes a known peer id, so the redial survives address changes.
      if (t.peerId == null) t.peerId = conn.remotePeer
      this.failures.delete(key)
    }, (err: unknown) => {
      t.failures++
      t.nextAttempt = Date.now() + Math.min(this.opts.maxBackoffMs, this.opts.redialMs * 2 ** (t.failures - 1))
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      const failure: DialFailure = { peer: key, at: Date.now(), reason, cause: classifyDialError(reason) }
      this.failures.set(key, failure)
      // Peers started together refuse each other once or twice: that is debug. A third failure
      // is news, then only every tenth, so a foreign node cannot flood the log.
      const level = t.failures === 3 || t.failures % 10 === 0 ? 'warn' : 'debug'
      this.opts.log[level]({ peer: key, failures: t.failures, cause: failure.cause, reason }, 'cannot connect to peer')
    }).finally(() => {
      this.inflight.delete(key)
      if (this.timer !== undefined) this.tick() // a slot is free: the next waiting peer
    })
  }
}
