// Gathers what `doctor` needs to know about how this node talks to the others: its status,
// its connections, discovery and failed dials, and a few time queries to every connected peer
// (round trip, clock offset and rate). The conclusions are drawn by observability/diagnose.ts.
import { connect } from 'node:net'
import type { ClusterNode } from './cluster-node.js'
import type { ClusterLibp2p } from '../net/libp2p.js'
import { ask } from '../net/query.js'
import { estimateClock, type ClockSample } from '../observability/clock-estimate.js'
import { bare, type DialCause, type DialFailureFact, type DoctorFacts, type PeerFacts } from '../observability/diagnose.js'

interface ProbeOptions {
  /** Time queries per peer; the rate needs at least two, spread over time. */
  samples: number
  /** Pause between two queries to the same peer, so that the samples span some time. */
  gapMs: number
  /** A query not answered within this counts the peer as not answering. */
  timeoutMs: number
}

const PROBE: ProbeOptions = { samples: 6, gapMs: 100, timeoutMs: 2000 }

const ADDR_KEY = 'addr:'

export async function gatherFacts (node: ClusterNode, discovered: Iterable<string>): Promise<DoctorFacts> {
  const libp2p = node.p2p
  if (libp2p == null || !node.running) throw new Error('the node is not running')
  const status = node.status()
  const o = node.options
  const selfId = status.self.id
  const voters = new Set(status.voters ?? [])
  const peers = new Map<string, PeerFacts>()
  const peer = (id: string): PeerFacts => {
    let p = peers.get(id)
    if (p == null) {
      p = { id, member: null, voter: voters.has(id), connections: [], discovered: false, dialFailure: null, probe: null }
      peers.set(id, p)
    }
    return p
  }

  for (const m of status.members) {
    if (m.self) continue
    peer(m.id).member = {
      state: m.state,
      role: m.role,
      version: m.version,
      lastSeenMs: m.lastSeenMs,
      addrs: [...m.addrs],
      ...(m.deadReason !== undefined ? { deadReason: m.deadReason } : {})
    }
  }
  for (const v of voters) if (v !== selfId) peer(v)
  const wall = Date.now()
  for (const c of libp2p.getConnections()) {
    if (c.status !== 'open') continue
    peer(c.remotePeer.toString()).connections.push({ addr: c.remoteAddr.toString(), ageMs: Math.max(0, wall - c.timeline.open) })
  }
  for (const id of discovered) if (id !== selfId) peer(id).discovered = true

  const addresses: DoctorFacts['addresses'] = []
  for (const f of status.network?.dialFailures ?? []) {
    const failure: DialFailureFact = { cause: toCause(f.cause), reason: f.reason, agoMs: f.agoMs }
    if (!f.peer.startsWith(ADDR_KEY)) {
      const p = peers.get(f.peer)
      if (p != null && p.connections.length === 0) p.dialFailure = failure
      continue
    }
    // A --peer address: whose is it? A connected owner makes the failure stale (it connected
    // the other way round, or since); else it explains why that peer is not connected.
    const addr = f.peer.slice(ADDR_KEY.length)
    const owner = [...peers.values()].find(p => ownsAddress(p, addr))
    if (owner == null) addresses.push({ addr, ...failure })
    else if (owner.connections.length === 0) owner.dialFailure ??= failure
  }

  await Promise.all([
    ...[...peers.values()].filter(p => p.connections.length > 0).map(async (p) => {
      p.probe = await probeClock(libp2p, p.id, PROBE)
    }),
    ...addresses.filter(a => a.cause === 'timeout').map(async (a) => {
      if (await acceptsTcp(a.addr, PROBE.timeoutMs)) a.cause = 'handshake-timeout'
    })
  ])

  return {
    self: { id: selfId, role: status.self.role, version: status.self.version, addresses: status.self.addresses },
    openCluster: status.self.openCluster,
    mdns: { enabled: o.mdns, discovered: status.network?.discovered ?? 0 },
    explicitPeers: o.peers.length,
    expect: o.expect,
    timing: {
      heartbeatMs: o.heartbeatMs,
      deadMs: o.deadMs,
      leaseMs: o.leaseMs,
      renewMs: o.renewMs,
      maxDriftMs: o.maxDriftMs,
      replaceDeadVoterAfterMs: o.replaceDeadVoterAfterMs
    },
    master: status.master === null ? null : { id: status.master.id, epoch: status.master.epoch },
    voters: status.voters,
    peers: [...peers.values()],
    addresses,
    gossip: status.network?.gossip ?? { published: 0, received: 0, rejected: 0 },
    droppedFrames: status.network?.droppedFrames ?? 0
  }
}

function toCause (cause: string): DialCause {
  return cause === 'refused' || cause === 'timeout' || cause === 'handshake' ? cause : 'other'
}

function ownsAddress (p: PeerFacts, addr: string): boolean {
  if (addr.endsWith(`/p2p/${p.id}`)) return true
  const want = bare(addr)
  return (p.member?.addrs ?? []).some(a => bare(a) === want) || p.connections.some(c => bare(c.addr) === want)
}

/**
 * Whether anything listens at a /ip4|ip6|dns…/tcp address. A libp2p dial that times out against
 * a port that accepts TCP stalled in the handshake: with a mismatched cluster secret that
 * happens as often as an outright refusal. (Only for --peer addresses no member owns: a
 * stalled cluster member's kernel accepts TCP too, and is reported as not answering.)
 */
async function acceptsTcp (addr: string, timeoutMs: number): Promise<boolean> {
  const m = /^\/(?:ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d+)/.exec(addr)
  if (m == null) return false
  return await new Promise<boolean>((resolve) => {
    const socket = connect({ host: m[1]!, port: Number(m[2]) })
    const done = (ok: boolean): void => { clearTimeout(timer); socket.destroy(); resolve(ok) }
    const timer = setTimeout(() => { done(false) }, timeoutMs)
    socket.once('connect', () => { done(true) })
    socket.once('error', () => { done(false) })
  })
}

/** Time queries, one after another; the first failure ends the probe (the peer does not answer). */
async function probeClock (libp2p: ClusterLibp2p, id: string, o: ProbeOptions): Promise<PeerFacts['probe']> {
  const samples: ClockSample[] = []
  for (let i = 0; i < o.samples; i++) {
    if (i > 0) await new Promise(resolve => setTimeout(resolve, o.gapMs))
    const r = await ask(libp2p, id, { kind: 'time' }, o.timeoutMs)
    if (!r.ok) return { ok: false, reason: r.reason, ...(r.unsupported === true ? { unsupported: true } : {}) }
    const res = r.value.response
    if (res.kind !== 'time') return { ok: false, reason: `it answered a time query with "${res.kind}"` }
    samples.push({
      sentWallMs: r.value.sentWallMs,
      receivedWallMs: r.value.receivedWallMs,
      sentMonoMs: r.value.sentMonoMs,
      receivedMonoMs: r.value.receivedMonoMs,
      peerWallMs: res.wallMs,
      peerMonoMs: res.monoMs
    })
  }
  const clock = estimateClock(samples)
  return clock === null ? { ok: false, reason: 'no time sample' } : { ok: true, clock }
}

