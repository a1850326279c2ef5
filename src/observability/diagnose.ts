// What `mcp-cluster doctor` concludes: facts gathered by a node about how it talks to the others
// in, findings in plain words out, each with why and what to do. Pure: no I/O, no clock.
import { quorumOf } from '../core/election/round.js'
import type { Role } from '../core/types.js'
import { driftBound, type ClockEstimate } from './clock-estimate.js'

export type Severity = 'ok' | 'warn' | 'problem'

export interface Finding {
  severity: Severity
  what: string
  why: string
  fix: string
}

/** The connector's guess, or 'handshake-timeout': the dial timed out although the address accepts TCP connections. */
export type DialCause = 'refused' | 'timeout' | 'handshake' | 'handshake-timeout' | 'other'

export interface DialFailureFact {
  cause: DialCause
  reason: string
  agoMs: number
}

export interface PeerFacts {
  id: string
  /** What gossip says of it; null when no heartbeat of it has arrived. */
  member: {
    state: 'alive' | 'suspect' | 'dead'
    role: Role
    version: string
    lastSeenMs: number
    deadReason?: 'left' | 'timeout'
    addrs: readonly string[]
  } | null
  voter: boolean
  /** Open connections now: the remote address and how long each has been open. */
  connections: Array<{ addr: string, ageMs: number }>
  /** Its peer record arrived by discovery (mDNS, or addresses other nodes told). */
  discovered: boolean
  /** The latest failed dial to it while not connected. */
  dialFailure: DialFailureFact | null
  /** The time queries to it; null when it was not probed. `unsupported`: it does not serve queries (an older version). */
  probe: { ok: true, clock: ClockEstimate } | { ok: false, reason: string, unsupported?: boolean } | null
}

export interface DoctorFacts {
  self: { id: string, role: Role, version: string, addresses: readonly string[] }
  openCluster: boolean
  mdns: { enabled: boolean, discovered: number }
  /** How many --peer addresses this node was given. */
  explicitPeers: number
  expect: number
  timing: { heartbeatMs: number, deadMs: number, leaseMs: number, renewMs: number, maxDriftMs: number, replaceDeadVoterAfterMs: number }
  master: { id: string, epoch: number } | null
  voters: readonly string[] | null
  /** Every other node this node knows of: from gossip, connections or discovery. */
  peers: PeerFacts[]
  /** --peer addresses whose dial failed and that belong to no known peer. */
  addresses: Array<{ addr: string } & DialFailureFact>
  gossip: { published: number, received: number, rejected: number }
  droppedFrames: number
}

function shortName (id: string): string {
  return id.slice(-8)
}

function duration (ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`
}

function signed (ms: number): string {
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(1)} ms`
}

function percent (x: number): string {
  return `${(x * 100).toFixed(2)} %`
}

function plural (n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`
}

const SECRET_FIX = 'Give every node the same --secret-file (create one with `mcp-cluster secret generate > cluster.key`), or none on all of them.'

/** Why a dial failed, in words, and what to do about it. */
function dialExplanation (f: DialFailureFact, where: string): { why: string, fix: string } {
  const when = `(${duration(f.agoMs)} ago: ${f.reason})`
  switch (f.cause) {
    case 'handshake':
      return {
        why: `${where} refuses our handshake ${when}: it probably has another cluster secret (or none), or runs an incompatible version.`,
        fix: SECRET_FIX
      }
    case 'handshake-timeout':
      return {
        why: `${where} accepts TCP connections but never completes our handshake ${when}: it probably has another cluster secret (or none), or it is not an mcp-cluster node, or the process there is stalled.`,
        fix: `${SECRET_FIX} If the secrets match, check the process at that address.`
      }
    case 'refused':
      return {
        why: `nothing accepts connections at ${where} ${when}: the node is not running there, or listens on another port.`,
        fix: 'Start the node, or correct the address (--peer, or the node\'s --listen).'
      }
    case 'timeout':
      return {
        why: `connecting to ${where} times out ${when}: the host is down, a firewall drops the traffic, or the network is partitioned.`,
        fix: 'Check that the host is up and reachable (ping it), and that its listen port is open in every firewall between the two.'
      }
    case 'other':
      return {
        why: `dialling ${where} fails ${when}.`,
        fix: 'Read the reason above; run the node with --log-level debug for details.'
      }
  }
}

/** The address with its /p2p/<id> suffix removed, for showing and comparing. */
export function bare (addr: string): string {
  return addr.replace(/\/p2p\/[A-Za-z0-9]+$/, '')
}

function where (p: PeerFacts): string {
  const addr = p.connections[0]?.addr ?? p.member?.addrs[0]
  return `node ${shortName(p.id)}${addr === undefined ? '' : ` at ${bare(addr)}`}`
}

/** E.g. "master QsyCdPJ9", "voter 85xtkuVR", "worker pdCKDHcB": its role as this node sees it now. */
function label (p: PeerFacts, f: DoctorFacts): string {
  const role = f.master?.id === p.id ? 'master' : p.voter ? 'voter' : p.member !== null ? 'worker' : 'node'
  return `${role} ${shortName(p.id)}`
}

/** Connected, not known dead, and answers queries (or is too old to serve them): counts towards a quorum. */
export function reachable (p: PeerFacts): boolean {
  const answers = p.probe !== null && (p.probe.ok || p.probe.unsupported === true)
  return p.connections.length > 0 && answers && p.member?.state !== 'dead'
}

/** What is wrong with one peer, most telling first; empty when nothing is. */
function peerFindings (p: PeerFacts, f: DoctorFacts): Finding[] {
  const m = p.member
  const t = f.timing
  const voterRisk = p.voter ? ' It is a voter: the cluster needs a quorum of voters to keep a master.' : ''
  if (m === null) {
    const connectedFor = Math.max(0, ...p.connections.map(c => c.ageMs))
    if (p.connections.length > 0 && connectedFor > t.deadMs) {
      return [{
        severity: 'problem',
        what: `${where(p)} is connected but missing from gossip`,
        why: `it has been connected for ${duration(connectedFor)} and not one heartbeat of it arrived: it runs with another --cluster name, an incompatible version, or its gossip is broken.`,
        fix: 'Start it with the same --cluster name and version as the others; if it is not meant to join, remove its address from --peer.'
      }]
    }
    if (p.connections.length > 0) {
      return [{ severity: 'ok', what: `${where(p)} just connected`, why: 'its first heartbeat has not arrived yet.', fix: '' }]
    }
    if (p.dialFailure !== null) {
      const e = dialExplanation(p.dialFailure, where(p))
      const severity = p.dialFailure.cause === 'handshake' || p.dialFailure.cause === 'handshake-timeout' ? 'problem' : 'warn'
      return [{ severity, what: `${where(p)} was discovered but is not connected`, ...e }]
    }
    return [{ severity: 'warn', what: `${where(p)} was discovered but is not connected yet`, why: 'no dial to it has failed so far: it is being dialled.', fix: 'Run doctor again in a few seconds.' }]
  }
  if (m.state === 'dead') {
    if (m.deadReason === 'left' && !p.voter) return []
    const gone = m.deadReason === 'left'
      ? `it stopped gracefully ${duration(m.lastSeenMs)} ago.`
      : `no heartbeat of it for ${duration(m.lastSeenMs)}${p.dialFailure === null ? '.' : `, and ${dialExplanation(p.dialFailure, where(p)).why}`}`
    if (!p.voter) {
      return [{ severity: 'warn', what: `${label(p, f)} is dead`, why: gone, fix: 'If it was shut down for good, nothing to do (it is forgotten later); else restart it or check its host and network.' }]
    }
    return [{
      severity: 'problem',
      what: `${label(p, f)} is unreachable`,
      why: `${gone}${voterRisk}`,
      fix: `Restart it or repair its host or network. If it is gone for good, a healthy worker replaces it after ${duration(t.replaceDeadVoterAfterMs)} (--replace-dead-voter-after-ms), if there is one.`
    }]
  }
  if (p.connections.length === 0) {
    const e = p.dialFailure === null
      ? { why: 'its heartbeats arrive through other nodes, but this node has no direct connection to it and no dial has failed yet (being dialled).', fix: 'Run doctor again in a few seconds.' }
      : dialExplanation(p.dialFailure, where(p))
    return [{
      // Without a failed dial it is most likely being connected right now.
      severity: p.dialFailure === null ? 'warn' : 'problem',
      what: `${label(p, f)} is in gossip but not connected to this node`,
      why: `${e.why} The master's orders and task streams need a direct connection.`,
      fix: e.fix
    }]
  }
  if (p.probe !== null && !p.probe.ok && p.probe.unsupported === true) {
    return [{
      severity: 'warn',
      what: `${label(p, f)} does not serve the query protocol`,
      why: `it runs version ${m.version} (this node ${f.self.version}), which predates it: its round trip and clock were not measured.`,
      fix: 'Upgrade every node to the same version.'
    }]
  }
  if (p.probe !== null && !p.probe.ok) {
    return [{
      severity: 'problem',
      what: `${label(p, f)} does not answer`,
      why: `its connection is open but a query to it failed (${p.probe.reason}); last heartbeat ${duration(m.lastSeenMs)} ago: the process is stalled (paused, overloaded, swapping) or the network between us drops its traffic.${voterRisk}`,
      fix: `Check the process on ${where(p)} (is it running, is its CPU saturated?) and the network between the hosts.`
    }]
  }
  const out: Finding[] = []
  if (m.state === 'suspect') {
    out.push({
      severity: 'warn',
      what: `${label(p, f)} is suspect`,
      why: `no heartbeat of it for ${duration(m.lastSeenMs)} (it is declared dead after ${duration(t.deadMs)}), though it answers queries: its heartbeats are late or lost.`,
      fix: 'Check its load (status, top) and the network; gossip is sent every --heartbeat-ms.'
    })
  }
  if (m.version !== f.self.version) {
    out.push({
      severity: 'warn',
      what: `${label(p, f)} runs version ${m.version}, this node ${f.self.version}`,
      why: 'mixed versions work only while their protocols are compatible.',
      fix: 'Upgrade every node to the same version.'
    })
  }
  if (p.probe?.ok === true) out.push(...clockFindings(p, p.probe.clock, f))
  return out
}

function clockFindings (p: PeerFacts, c: ClockEstimate, f: DoctorFacts): Finding[] {
  const t = f.timing
  const out: Finding[] = []
  const bound = driftBound(t.leaseMs, t.maxDriftMs)
  if (c.rate !== null && Math.abs(c.rate.drift) - c.rate.uncertainty > bound) {
    out.push({
      severity: 'problem',
      what: `the clock of ${label(p, f)} runs at another rate than ours`,
      why: `its monotonic clock runs ${percent(c.rate.drift)} (± ${percent(c.rate.uncertainty)}) faster than ours; the election's safety assumes at most ${percent(bound)} (--lease-ms ${t.leaseMs}, --max-drift-ms ${t.maxDriftMs}).`,
      fix: 'Check that host\'s clock source (a faulty or throttled timer, a VM with a broken clock); until fixed, raise --max-drift-ms (below --lease-ms / 4) on every node.'
    })
  }
  if (Math.abs(c.offsetMs) - c.rttMs / 2 > t.maxDriftMs) {
    out.push({
      severity: 'warn',
      what: `the wall clock of ${label(p, f)} is ${signed(c.offsetMs)} off ours`,
      why: `that is more than the election's drift bound (--max-drift-ms ${t.maxDriftMs}). Leases use only local timers, so this is no danger to the election, but the clocks are not synchronised: log and event times of the two nodes do not line up.`,
      fix: 'Run NTP (chrony or systemd-timesyncd) on every host.'
    })
  }
  if (c.rttMs > t.renewMs / 2) {
    out.push({
      severity: 'warn',
      what: `round trip to ${label(p, f)} is ${duration(c.rttMs)}`,
      why: `the master renews its lease every ${duration(t.renewMs)} (--renew-ms) and needs answers well within that; a slow network or a busy node makes leases lapse and failovers happen.`,
      fix: 'Check the network and the node\'s load (top, /metrics); on a slow network raise --lease-ms and --renew-ms together.'
    })
  }
  return out
}

function peerOk (p: PeerFacts, f: DoctorFacts): Finding {
  const c = p.probe?.ok === true ? p.probe.clock : null
  const clock = c === null ? '' : `, round trip ${duration(c.rttMs)}, clock offset ${signed(c.offsetMs)}`
  return {
    severity: 'ok',
    what: `${label(p, f)}: ${p.member?.state ?? 'unknown'}, connected${clock}`,
    why: '',
    fix: ''
  }
}

function discoveryFindings (f: DoctorFacts): Finding[] {
  const known = f.peers.filter(p => p.member !== null || p.connections.length > 0)
  if (known.length === 0) {
    const why = !f.mdns.enabled && f.explicitPeers === 0
      ? 'mDNS is off (--no-mdns) and no --peer address was given, so it has nobody to ask.'
      : f.mdns.enabled && f.mdns.discovered === 0 && f.explicitPeers === 0
        ? 'mDNS is on but has heard no other node: multicast may be blocked (firewall, Wi-Fi client isolation), or the others are on another subnet or use another --cluster name.'
        : 'every node it tried could not be reached (see the other findings).'
    return [{
      severity: 'problem',
      what: 'this node sees no other node',
      why,
      fix: 'Start the other nodes with the same --cluster name; where multicast does not work, give peers explicitly: --peer /ip4/<address>/tcp/<port>.'
    }]
  }
  if (!f.mdns.enabled) {
    return [{ severity: 'ok', what: `mDNS is off: peers come from --peer (${plural(f.explicitPeers, 'address', 'addresses')}) and from what the peers tell`, why: '', fix: '' }]
  }
  if (f.mdns.discovered === 0) {
    return [{
      severity: 'warn',
      what: 'mDNS is on but discovered no peer',
      why: 'the other nodes were found through --peer addresses or gossip only: multicast may be blocked on this network (firewall, Wi-Fi client isolation, another subnet).',
      fix: 'Allow UDP port 5353 to and from 224.0.0.251, or keep using --peer.'
    }]
  }
  return [{ severity: 'ok', what: `mDNS is on: ${plural(f.mdns.discovered, 'peer')} discovered`, why: '', fix: '' }]
}

function addressFindings (f: DoctorFacts): Finding[] {
  return f.addresses.map(a => {
    const e = dialExplanation(a, `the node at ${a.addr}`)
    return { severity: a.cause === 'other' ? 'warn' : 'problem', what: `cannot connect to --peer ${a.addr}`, ...e }
  })
}

function masterFindings (f: DoctorFacts): Finding[] {
  const out: Finding[] = []
  const voters = f.voters
  const reachableVoters = voters === null
    ? 0
    : voters.filter(v => v === f.self.id || f.peers.some(p => p.id === v && reachable(p))).length
  const quorum = voters === null ? 0 : quorumOf(voters.length)
  if (voters === null) {
    const seen = 1 + f.peers.filter(p => p.member?.state === 'alive').length
    out.push({
      severity: 'problem',
      what: 'no master: the voter set is not agreed yet',
      why: `the first nodes agree on the voters once --expect ${f.expect} nodes see each other; this node sees ${seen}.`,
      fix: `Start ${f.expect} nodes with the same --expect, and repair the connections listed here.`
    })
    return out
  }
  if (f.master === null) {
    out.push({
      severity: 'problem',
      what: 'no master',
      why: reachableVoters < quorum
        ? `only ${reachableVoters} of ${voters.length} voters are reachable from here and a master needs ${quorum}.`
        : 'an election is in progress (a master normally appears within a second or two).',
      fix: reachableVoters < quorum ? 'Bring back the unreachable voters listed here (or repair the network to them).' : 'Run doctor again in a few seconds; if it persists, read the election events in the logs.'
    })
  } else {
    out.push({ severity: 'ok', what: `master ${shortName(f.master.id)}${f.master.id === f.self.id ? ' (this node)' : ''}, epoch ${f.master.epoch}`, why: '', fix: '' })
  }
  if (reachableVoters < quorum) {
    out.push({
      severity: 'problem',
      what: `no quorum: ${reachableVoters} of ${voters.length} voters reachable, ${quorum} needed`,
      why: 'from this node\'s side no master can be elected or keep its lease: this node is cut off from most voters (a partition, or the voters are down).',
      fix: 'Restore the network between the hosts, or restart the voters that are down.'
    })
  } else if (reachableVoters < voters.length) {
    out.push({
      severity: 'warn',
      what: `${reachableVoters} of ${voters.length} voters reachable (quorum ${quorum})`,
      why: reachableVoters === quorum
        ? 'the cluster works, but one more lost voter leaves it without a master.'
        : `the cluster works and can lose ${plural(reachableVoters - quorum, 'more voter')}.`,
      fix: 'Bring back the unreachable voters listed here.'
    })
  } else {
    out.push({ severity: 'ok', what: `all ${voters.length} voters reachable (quorum ${quorum})`, why: '', fix: '' })
  }
  return out
}

function hygieneFindings (f: DoctorFacts): Finding[] {
  const out: Finding[] = []
  if (f.openCluster) {
    out.push({
      severity: 'warn',
      what: 'open cluster: no cluster secret',
      why: 'any node on the network can join, take tasks and vote.',
      fix: SECRET_FIX.replace(', or none on all of them', '')
    })
  }
  if (f.gossip.rejected > 0) {
    out.push({
      severity: 'warn',
      what: `${plural(f.gossip.rejected, 'heartbeat')} rejected`,
      why: 'malformed heartbeats, or heartbeats claiming another node\'s id, arrived: a node of an incompatible version or a misbehaving peer.',
      fix: 'Run with --log-level debug to see who sends them; upgrade every node to the same version.'
    })
  }
  if (f.droppedFrames > 0) {
    out.push({
      severity: 'warn',
      what: `${plural(f.droppedFrames, 'frame')} dropped`,
      why: 'a peer\'s send queue was full: a peer (or this node) cannot keep up, or a connection stalled.',
      fix: 'Find the overloaded node with top or /metrics (event-loop delay, queue length).'
    })
  }
  return out
}

const ORDER: Record<Severity, number> = { problem: 0, warn: 1, ok: 2 }

/** Every finding, problems first. */
export function diagnose (f: DoctorFacts): Finding[] {
  const peers = [...f.peers].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  const findings: Finding[] = [
    ...discoveryFindings(f),
    ...addressFindings(f),
    ...masterFindings(f),
    ...peers.flatMap(p => {
      const found = peerFindings(p, f)
      if (found.length > 0) return found
      return p.member === null || p.member.state === 'dead' ? [] : [peerOk(p, f)]
    }),
    ...hygieneFindings(f)
  ]
  // A stable sort keeps the order within a severity.
  return findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity])
}

/** The exit status doctor reports: non-zero when anything is a problem. */
export function healthy (findings: readonly Finding[]): boolean {
  return findings.every(x => x.severity !== 'problem')
}
