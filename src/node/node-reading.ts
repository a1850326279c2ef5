// What the metrics read from a running node at scrape time: its /status view, its task totals
// and its libp2p connections, folded into plain numbers.
import type { Connection } from '@libp2p/interface'
import type { TableCounters } from '../core/tasks/table-types.js'
import type { NodeReading } from '../observability/metrics.js'
import type { ClusterStatus } from './status.js'

export interface TaskTotals {
  counters: TableCounters
  queueLength: number
  running: number
  awaitingResults: number
}

export function readNode (status: ClusterStatus, tasks: TaskTotals, connections: readonly Connection[]): NodeReading {
  const members = { alive: 0, suspect: 0, dead: 0 }
  let clusterRunning = 0
  let slots = 0
  let eventLoopDelayMs = 0
  for (const m of status.members) {
    members[m.state]++
    if (m.self) {
      slots = m.capacity.slots
      eventLoopDelayMs = m.load.eventLoopDelayMs
      clusterRunning += tasks.running // fresher than the last heartbeat's figure
    } else if (m.state === 'alive') {
      clusterRunning += m.load.running
    }
  }
  const inbound = connections.filter(c => c.direction === 'inbound').length
  const streams: Record<string, number> = {}
  const rtt = new Map<string, number | null>()
  for (const c of connections) {
    for (const s of c.streams) {
      const protocol = s.protocol ?? 'negotiating'
      streams[protocol] = (streams[protocol] ?? 0) + 1
    }
    const peer = c.remotePeer.toString()
    const before = rtt.get(peer)
    // Several connections to one peer: the best round trip is the network's, the rest is queueing.
    rtt.set(peer, c.rtt === undefined ? before ?? null : Math.min(c.rtt, before ?? Number.POSITIVE_INFINITY))
  }
  const net = status.network
  const c = status.cache
  return {
    role: status.self.role,
    epoch: status.epoch,
    masterKnown: status.master !== null,
    voters: status.voters?.length ?? 0,
    members,
    clusterRunning,
    table: tasks.counters,
    queueLength: tasks.queueLength,
    running: tasks.running,
    slots,
    awaitingResults: tasks.awaitingResults,
    connections: { inbound, outbound: connections.length - inbound },
    streams,
    peers: [...rtt].map(([id, rttMs]) => ({ id, rttMs })).sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    discovered: net?.discovered ?? 0,
    droppedFrames: net?.droppedFrames ?? 0,
    gossip: net?.gossip ?? { published: 0, received: 0, rejected: 0 },
    eventLoopDelayMs,
    cache: {
      maxBytes: c?.maxBytes ?? 0,
      entries: c?.entries ?? 0,
      bytes: c?.bytes ?? 0,
      hits: c?.hits ?? 0,
      misses: c?.misses ?? 0,
      evictions: c?.evictions ?? 0,
      expired: c?.expired ?? 0,
      indexKeys: c?.index?.keys ?? 0
    }
  }
}
