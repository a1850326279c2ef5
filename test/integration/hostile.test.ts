// A hostile insider: a libp2p node in this process holding the cluster secret (the strongest
// attacker short of a voter), attacking a 3-node loopback cluster while an honest client submits
// tasks through one of its nodes. It floods submissions, sends oversized and garbage frames on
// every protocol and on the gossip topic, forges and replays heartbeats, replays and forges
// orders, and claims to be master every way it can. Every honest task must complete, every node
// stay up, and the attacker must never be taken for master.
import '../../src/polyfill.js'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { waitFor, type NodeProcess } from '../../src/harness/node-process.js'
import { readHistory } from '../../src/harness/history.js'
import { createClusterLibp2p, MAX_CONNECTIONS_PER_PEER, type ClusterLibp2p } from '../../src/net/libp2p.js'
import { ECHO_PROTOCOL } from '../../src/net/echo.js'
import { ELECTION_PROTOCOL, TASKS_PROTOCOL, heartbeatTopic } from '../../src/net/protocols.js'
import type { ClusterStatus } from '../../src/node/status.js'
import type { TaskResult } from '../../src/node/task-api.js'
import type { TaskMessage } from '../../src/core/tasks/messages.js'
import type { TaskSpec } from '../../src/core/tasks/types.js'
import type { Heartbeat } from '../../src/core/membership/heartbeat.js'
import { encodeElection } from '../../src/wire/election.js'
import { encodeGossip } from '../../src/wire/heartbeat.js'
import { decodeTaskFrame, encodeTaskFrame } from '../../src/wire/tasks.js'
import { generateKey } from './run-cli.js'

const HONEST_TASKS = 120
const SUBMIT_RATE = 200
const TOPIC = heartbeatTopic('mcp-cluster')
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** The attacker: a full peer of the cluster, as far as the network can tell. */
class Hostile {
  readonly id: string
  /** Task messages the cluster sent back (answers to its submissions, refusals of its orders). */
  readonly received: TaskMessage[] = []
  /** Election frames and heartbeats it overheard, to replay. */
  readonly overheard: { election: Uint8Array[], gossip: Uint8Array[] } = { election: [], gossip: [] }
  private seq = 0
  private submitted = 0

  private constructor (readonly node: ClusterLibp2p) {
    this.id = node.peerId.toString()
  }

  static async create (swarmKey: Uint8Array): Promise<Hostile> {
    const node = await createClusterLibp2p({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, cluster: 'mcp-cluster', swarmKey })
    const h = new Hostile(node)
    await node.handle(TASKS_PROTOCOL, ({ stream }) => { h.read(stream, frame => { const d = decodeTaskFrame(frame); if (d.ok) h.received.push(...d.value) }) })
    await node.handle(ELECTION_PROTOCOL, ({ stream }) => { h.read(stream, frame => { h.overheard.election.push(frame) }) })
    await node.start()
    node.services.pubsub.subscribe(TOPIC)
    node.services.pubsub.addEventListener('message', (e) => { if (e.detail.topic === TOPIC) h.overheard.gossip.push(e.detail.data) })
    return h
  }

  private read (stream: Stream, onFrame: (frame: Uint8Array) => void): void {
    void pipe(stream.source, src => lp.decode(src, { maxDataLength: 8 * 1024 * 1024 }), async (frames) => {
      for await (const f of frames) onFrame(f.subarray())
    }).catch(() => {})
  }

  async connect (st: ClusterStatus): Promise<void> {
    await this.node.dial(multiaddr(st.self.addresses.find(a => a.includes('/127.0.0.1/'))!))
  }

  /** Length-prefixed frames on a fresh stream (raw bytes when `raw`), then close it; gives up after 5 s. */
  async send (peer: string, protocol: string, frames: Uint8Array[], raw = false): Promise<void> {
    const signal = AbortSignal.timeout(5000)
    let stream: Stream | undefined
    try {
      stream = await this.node.dialProtocol(peerIdFromString(peer), protocol, { signal })
      await Promise.race([stream.sink(raw ? frames : lp.encode(frames)), aborted(signal)])
      await stream.close({ signal })
    } catch {
      // The node may reset a stream it finds hostile (that is the point), or stop reading it.
      stream?.abort(new Error('gave up'))
    }
  }

  async publish (data: Uint8Array): Promise<void> {
    await this.node.services.pubsub.publish(TOPIC, data).catch(() => {})
  }

  heartbeat (over: Partial<Heartbeat> = {}): Uint8Array {
    const hb: Heartbeat = {
      id: this.id, incarnation: 1, seq: this.seq++, version: '0.1.0', addrs: this.node.getMultiaddrs().map(String), role: 'master',
      capacity: { slots: 0, cpus: 1, memTotalBytes: 1, memFreeBytes: 1, resources: {}, labels: {} },
      load: { running: 0, queued: 0, eventLoopDelayMs: 0, loadAvg1: 0 }, handlers: [],
      // It claims to be master, of a voter set of its own, at the last epoch there is.
      cluster: { voters: [this.id], proposal: null, epoch: Number.MAX_SAFE_INTEGER, master: this.id, configVersion: 1_000_000 },
      ...over
    }
    return encodeGossip({ v: 1, kind: 'heartbeat', hb })
  }

  spec (id: string): TaskSpec {
    return { id, type: 'echo', payload: id, priority: 1000, req: { slots: 1, cpus: 0, memoryBytes: 0, resources: {}, constraints: {} }, timeoutMs: 10_000, retries: 0, backoffMs: 0, submitter: this.id }
  }

  submissions (n: number): Uint8Array {
    return encodeTaskFrame([{ kind: 'submit', tasks: Array.from({ length: n }, () => this.spec(`flood-${this.submitted++}`)) }])
  }

  async stop (): Promise<void> {
    await this.node.stop()
  }
}

async function aborted (signal: AbortSignal): Promise<never> {
  return await new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason)
    signal.addEventListener('abort', () => { reject(signal.reason) })
  })
}

const garbage = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7919 + 13) & 0xff)
/** A length prefix announcing 10 MiB, then a little: over every protocol's frame limit. */
const oversized = Uint8Array.from([0x80, 0x80, 0x80, 0x05, ...garbage(64)])

test('a hostile peer holding the secret cannot stop the cluster from completing honest tasks, nor become master', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-hostile-'))
  const keyFile = join(dir, 'cluster.key')
  generateKey(keyFile)
  const cluster = await LocalCluster.create({ nodes: 3, dir, eventLogs: true, args: ['--secret-file', keyFile, '--max-submit-rate', String(SUBMIT_RATE)] })
  cluster.start()
  let hostile: Hostile | undefined
  // The attack and the watcher run until told to stop, also when an assertion fails midway.
  let attacking = true
  let watching = true
  try {
    const st = await cluster.waitConverged(60_000)
    const masterBefore = st[0]!.master!
    const ids = st.map(s => s.self.id)
    const voters = new Set(st[0]!.voters)
    const clientIndex = st.findIndex(s => s.self.id !== masterBefore.id)
    const client = cluster.nodes[clientIndex]!
    const workers = ids.filter(id => id !== masterBefore.id)

    hostile = await Hostile.create(readFileSync(keyFile))
    const h = hostile
    for (const s of st) await h.connect(s)
    await waitFor('the nodes to list the attacker as a member', async () => {
      await h.publish(h.heartbeat())
      const s = await client.status()
      return s?.members.some(m => m.id === h.id && m.state === 'alive') === true
    }, 30_000, 300)

    // Watch every node's idea of the master for the whole attack.
    const mastersSeen = new Set<string>()
    const watcher = (async () => {
      while (watching) {
        for (const s of await cluster.statuses()) if (s?.master != null) mastersSeen.add(s.master.id)
        await sleep(200)
      }
    })()

    let rounds = 0
    const attack = (async () => {
      while (attacking) {
        const round = rounds
        const epoch = masterBefore.epoch
        const master = masterBefore.id
        // Floods submissions at the master: far over its per-node rate.
        await h.send(master, TASKS_PROTOCOL, [h.submissions(400), h.submissions(400)])
        // Oversized and garbage frames on every protocol.
        for (const id of ids) {
          for (const protocol of [TASKS_PROTOCOL, ELECTION_PROTOCOL, ECHO_PROTOCOL]) {
            await h.send(id, protocol, [oversized], true)
            await h.send(id, protocol, [garbage(300), new TextEncoder().encode('{"v":1,"kind":"batch","msgs":[{"kind":"assign"}]}'), new TextEncoder().encode('['.repeat(4000))])
          }
        }
        // It claims to be master: announcements, a lease request at the last term there is,
        // orders at a future epoch and replays of old ones at a stale epoch.
        for (const id of ids) {
          await h.send(id, ELECTION_PROTOCOL, [
            encodeElection({ kind: 'master-announce', term: epoch + 100, master: h.id, leaseRemainingMs: 3_600_000 }),
            encodeElection({ kind: 'lease-request', term: Number.MAX_SAFE_INTEGER, candidate: h.id, reqId: round }),
            encodeElection({ kind: 'timeout-now', term: epoch }),
            encodeElection({ kind: 'release', term: epoch }),
            ...h.overheard.election.slice(-3)
          ])
        }
        for (const id of workers) {
          await h.send(id, TASKS_PROTOCOL, [encodeTaskFrame([
            { kind: 'assign', epoch: epoch + 5, tasks: [{ spec: h.spec(`evil-${round}`), attempt: 1 }] },
            { kind: 'assign', epoch: Math.max(0, epoch - 1), tasks: [{ spec: h.spec(`stale-${round}`), attempt: 1 }] },
            { kind: 'sync', epoch: epoch + 5 },
            { kind: 'abort', epoch: epoch + 5, id: 'honest-1' }
          ])])
        }
        // Gossip: malformed, oversized, forged (another node's id), replayed, and its own claim.
        await h.publish(garbage(200))
        await h.publish(h.heartbeat({ version: 'x'.repeat(20_000) }))
        await h.publish(h.heartbeat({ id: ids[round % ids.length]! }))
        for (const old of h.overheard.gossip.slice(-3)) await h.publish(old)
        await h.publish(h.heartbeat())
        rounds++
        await sleep(100)
      }
    })()

    // The honest client: tasks through a node that is not the master, a few at a time.
    const results: TaskResult[] = []
    let next = 0
    const honest = async (): Promise<void> => {
      await Promise.all(Array.from({ length: 6 }, async () => {
        // One lost task fails the test: stop submitting at the first, rather than wait out the rest.
        while (next < HONEST_TASKS && results.every(r => r.ok)) {
          const k = next++
          results.push(await client.submit<TaskResult>({ type: 'echo', payload: k, options: { id: `honest-${k}` } }, 60_000))
        }
      }))
    }

    try {
      // Honest work starts once the attack is under way, and the attack outlasts it.
      await waitFor('the attack to be under way', () => rounds >= 2, 60_000, 50)
      await honest()
      await waitFor('a few more rounds of attack', () => rounds >= 6, 60_000, 50)
    } finally {
      attacking = false
      watching = false
      await attack
      await watcher
    }

    // Every honest task completed, none lost.
    assert.deepEqual(results.filter(r => !r.ok).map(r => `${r.id}: ${r.error?.code ?? ''} ${r.error?.message ?? ''}`), [])
    assert.equal(results.length, HONEST_TASKS)
    assert.deepEqual(new Set(results.map(r => r.id)).size, HONEST_TASKS)

    // Every node is up; nobody ever took the attacker for master, nor moved to its epoch.
    const after = await Promise.all(cluster.nodes.map(async (n: NodeProcess) => await n.status()))
    assert.ok(cluster.nodes.every(n => n.alive) && after.every(s => s != null), 'a node went down')
    assert.ok(!mastersSeen.has(h.id), 'a node took the attacker for master')
    for (const id of mastersSeen) assert.ok(voters.has(id), `master ${id} is not a voter`)
    for (const s of after) assert.ok(s!.epoch < 1_000_000, `node ${s!.self.id} moved to epoch ${s!.epoch}`)
    if (mastersSeen.size > 1) console.log(`note: the master changed during the attack (${[...mastersSeen].join(', ')}); no task was lost`)

    // The attacker's orders were refused and none of its tasks ran; its gossip was rejected.
    const history = readHistory(cluster.nodes.map(n => join(n.spec.dir, 'events.jsonl')))
    assert.ok(history.some(e => e.type === 'order-refused' && e.from === h.id), 'no refusal of the attacker\'s orders recorded')
    assert.ok(!history.some(e => e.type === 'task-start' && /^(evil|stale)-/.test(e.id)), 'a worker ran an order from the attacker')
    assert.ok(!history.some(e => e.type === 'order-accepted' && e.from === h.id))
    const rejected = after.reduce((sum, s) => sum + (s!.network?.gossip.rejected ?? 0), 0)
    assert.ok(rejected > 0, 'no gossip message of the attacker was rejected')

    // Its flood met the rate limit, with the reason said to it; what was admitted, it may run.
    const refusals = h.received.filter(m => m.kind === 'rejected' && m.reason.startsWith('rate-limited:'))
    assert.ok(refusals.length > 0, `no rate-limited refusal among ${h.received.length} answers`)
    assert.ok(h.received.some(m => m.kind === 'refuse' && /not in the voter set/.test(m.reason)), 'the workers did not tell the attacker why they refused')

    // Connections per peer are capped: forced extra connections are closed by the node.
    const target = st[clientIndex]!
    const addr = multiaddr(target.self.addresses.find(a => a.includes('/127.0.0.1/'))!)
    for (let i = 0; i < MAX_CONNECTIONS_PER_PEER + 3; i++) await h.node.dial(addr, { force: true }).catch(() => {})
    await waitFor('extra connections to be closed', () => h.node.getConnections(peerIdFromString(target.self.id)).length <= MAX_CONNECTIONS_PER_PEER, 20_000, 200)
    assert.ok((await client.status()) != null)
  } finally {
    attacking = false
    watching = false
    await hostile?.stop().catch(() => {})
    await cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
