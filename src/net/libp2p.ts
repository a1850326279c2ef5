// The one place libp2p is configured. Every setting says why it is there.
import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { createLibp2p, type Libp2p } from 'libp2p'
import { createHash } from 'node:crypto'
import type { GossipSub } from '@chainsafe/libp2p-gossipsub'
import { mdnsServiceTag } from './protocols.js'

export interface ClusterLibp2pOptions {
  privateKey: PrivateKey
  listen: string[]
  mdns: boolean
  /** Told of each peer the mDNS service itself finds (libp2p's peer:discovery mixes in other sources). */
  onMdnsPeer?: (id: PeerId) => void
  cluster: string
  /** The pnet swarm key file's bytes; when set, only nodes holding the same key can connect. */
  swarmKey?: Uint8Array
}

export type ClusterLibp2p = Libp2p<{ pubsub: GossipSub, identify: unknown, ping: unknown }>

/**
 * Connections one peer may hold to us. Two is normal (both sides dialled at once); more only
 * costs us memory and streams, and each connection may carry MAX_STREAMS_PER_CONNECTION.
 */
export const MAX_CONNECTIONS_PER_PEER = 4

/**
 * Streams a peer may open on one connection, negotiated or not (yamux's own default is 1000).
 * Each protocol caps its own share below this (election and tasks 8 each, echo 4, ...).
 */
export const MAX_STREAMS_PER_CONNECTION = 256

export async function createClusterLibp2p (opts: ClusterLibp2pOptions): Promise<ClusterLibp2p> {
  let self: Libp2p | undefined
  const node = await createLibp2p({
    // The node starts libp2p itself, after wiring its handlers, and reports listen errors.
    start: false,
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxInboundStreams: MAX_STREAMS_PER_CONNECTION })],
    ...(opts.swarmKey != null ? { connectionProtector: preSharedKey({ psk: opts.swarmKey }) } : {}),
    // mDNS answers every query and each node queries once at start, so discovery is
    // immediate both ways; the interval only re-queries for lost packets (stock: 10 s).
    peerDiscovery: opts.mdns ? [mdnsCounted(opts)] : [],
    connectionManager: {
      // A LAN cluster wants every node connected to every other (gossip mesh + direct streams).
      maxConnections: 300,
      // Nodes booting together all dial each other at once; the stock 10 pending inbound
      // handshakes refused most of a 50-node start.
      maxIncomingPendingConnections: 64,
      // Nodes on this machine (tests, demos, several nodes on one box) share one address, and
      // the stock limit of 5 inbound connections per second per address kept a 50-node local
      // cluster from ever connecting. Loopback is exempt; LAN peers keep the limit.
      allow: ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128']
    },
    connectionGater: {
      // Checked once the peer is authenticated, before the connection is used.
      denyInboundUpgradedConnection: (peer) => (self?.getConnections(peer).length ?? 0) >= MAX_CONNECTIONS_PER_PEER
    },
    connectionMonitor: {
      // Leases never depend on this (local timers decide); it only reaps dead connections and
      // gives each connection an RTT. Every ping is a new stream, per connection: at 50 nodes a
      // 5 s interval meant ~20 stream set-ups per second per node.
      pingInterval: 15_000
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        // Heartbeats must flow before the mesh forms and with a single peer.
        allowPublishToZeroTopicPeers: true,
        // Our heartbeats go to the mesh like everyone's, not to every peer: flooding sent each
        // one N-1 times where the mesh forwards it anyway. Before the mesh forms gossipsub
        // sends to D peers of the topic instead.
        floodPublish: false,
        // IDONTWANT saves bandwidth on large messages at the price of one control frame per mesh
        // peer per message received. Heartbeats are ~0.5-1 KB, over the stock 512-byte floor:
        // every heartbeat cost D extra frames on every node.
        idontwantMinDataSize: 16 * 1024,
        emitSelf: false,
        // Mesh degree: each heartbeat reaches a node about D times, and every copy costs a
        // decrypt, a decode and a duplicate check. Stock 6 (up to 12) suits public networks
        // with adversarial peers; on a LAN of at most a few dozen nodes 4 (3-6) still reaches
        // everyone in a few hops, and gossip (IHAVE/IWANT) repairs what a hop loses.
        D: 4, Dlo: 3, Dhi: 6, Dscore: 2, Dout: 1,
        // The stock 1 s mesh maintenance: a faster beat cost ~20% more CPU per node in a
        // 10-node cluster (measured).
        heartbeatInterval: 1000,
        // Heartbeats are signed by their author; the membership view checks the claim.
        globalSignaturePolicy: 'StrictSign',
        // Nodes sharing this host (tests, demos, several nodes on one box) are deliberate, not a
        // Sybil attack: without this, more than 10 local peers would push each other's scores
        // below the gossip thresholds.
        scoreParams: { IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']) },
        // gossipsub checks the signature BEFORE its duplicate check unless it has a fast id:
        // without this every copy forwarded through the mesh was verified again (measured:
        // signature checks were the top CPU cost of a 10-node cluster). The signature itself
        // identifies the signed content; a forged copy fails verification and is not cached.
        fastMsgIdFn: (msg: { signature?: Uint8Array, data?: Uint8Array }) => msg.signature != null
          ? Buffer.from(msg.signature).toString('base64')
          : createHash('sha1').update(msg.data ?? new Uint8Array()).digest('base64')
      }) as unknown as (components: any) => GossipSub
    }
  })
  self = node
  return node as unknown as ClusterLibp2p
}

/** The mDNS service, reporting its own finds (for `doctor`: is mDNS heard on this host?). */
function mdnsCounted (opts: ClusterLibp2pOptions): ReturnType<typeof mdns> {
  const factory = mdns({ interval: 2000, serviceTag: mdnsServiceTag(opts.cluster) })
  return (components) => {
    const service = factory(components)
    if (opts.onMdnsPeer != null) {
      const report = opts.onMdnsPeer
      service.addEventListener('peer', (evt) => { report(evt.detail.id) })
    }
    return service
  }
}
