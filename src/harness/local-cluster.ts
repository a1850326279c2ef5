// N node processes on 127.0.0.1 with explicit peers and mDNS off: nothing leaves the machine.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeProcess, freePorts, waitFor } from './node-process.js'
import type { ClusterStatus } from '../node/status.js'
import type { NetnsLan } from './lan.js'

/** The token harness-run nodes require on HTTP bound to a namespace address (never a real network). */
const HARNESS_TOKEN = 'mcp-harness'

export interface LocalClusterOptions {
  nodes: number
  /** Extra `start` arguments for every node. */
  args?: string[]
  dir?: string
  logLevel?: string
  /**
   * 'explicit' (default): --no-mdns and every other node as --peer. 'mdns': discovery by
   * mDNS alone; ONLY inside a private network namespace (it multicasts on every interface).
   */
  discovery?: 'explicit' | 'mdns'
  /** Extra `start` arguments for node i (0-based), e.g. labels for one node. */
  nodeArgsFor?: (i: number) => string[]
  /** Extra environment for node i (0-based), e.g. fault injection. */
  envFor?: (i: number) => Record<string, string>
  /** Give every node an event log (history) at `<dir>/node<i>/events.jsonl`. */
  eventLogs?: boolean
  /** Extra arguments for node itself (e.g. profiling flags). */
  nodeArgs?: string[]
  /**
   * Run node i in host namespace i of this LAN (data on eth0, HTTP on the control link).
   * The caller must itself run inside the LAN's bridge namespace to reach the nodes' HTTP.
   */
  lan?: NetnsLan
  /** Voters to wait for (default: min(3, nodes)). */
  expect?: number
  /**
   * With explicit discovery: give each node only `seeds` peers (default all): the nodes just
   * before it, wrapping around, so no node takes everyone's first handshake. It learns the rest
   * from gossip, as a large cluster would.
   */
  seeds?: number
}

export class LocalCluster {
  readonly nodes: NodeProcess[] = []
  private constructor (readonly dir: string, private readonly ownsDir: boolean) {}

  static async create (o: LocalClusterOptions): Promise<LocalCluster> {
    const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'mcp-cluster-'))
    const cluster = new LocalCluster(dir, o.dir == null)
    const ports = o.lan != null ? [] : await freePorts(o.nodes * 2)
    for (let i = 0; i < o.nodes; i++) {
      const lan = o.lan
      const host = lan != null ? lan.dataAddr(i + 1) : '127.0.0.1'
      const p2pPorts = lan != null ? Array.from({ length: o.nodes }, () => 4001) : ports.slice(0, o.nodes)
      const http = lan != null ? `${lan.controlAddr(i + 1)}:7070` : `127.0.0.1:${ports[o.nodes + i]!}`
      const peerAddrs = p2pPorts.map((p, j) => `/ip4/${lan != null ? lan.dataAddr(j + 1) : '127.0.0.1'}/tcp/${p}`)
      const discovery = o.discovery === 'mdns'
        ? []
        : ['--no-mdns', ...peerAddrs.filter((_, j) => j !== i && (i - j + o.nodes) % o.nodes <= (o.seeds ?? o.nodes)).flatMap(a => ['--peer', a])]
      const dir = join(cluster.dir, `node${i + 1}`)
      cluster.nodes.push(new NodeProcess({
        name: `node${i + 1}`,
        dir,
        http,
        ...(lan != null ? { wrap: ['ip', 'netns', 'exec', lan.hostNs(i + 1)], httpToken: HARNESS_TOKEN } : {}),
        ...(o.nodeArgs != null ? { nodeArgs: o.nodeArgs } : {}),
        ...(o.envFor != null ? { env: o.envFor(i) } : {}),
        args: [
          '--listen', `/ip4/${host}/tcp/${p2pPorts[i]!}`, ...discovery,
          '--http', http, ...(lan != null ? ['--http-token', HARNESS_TOKEN] : []),
          '--data-dir', join(dir, 'data'),
          '--expect', String(o.expect ?? Math.min(3, o.nodes)), '--log-level', o.logLevel ?? 'info',
          ...(o.eventLogs === true ? ['--event-log', join(dir, 'events.jsonl')] : []),
          ...(o.args ?? []),
          ...(o.nodeArgsFor?.(i) ?? [])
        ]
      }))
    }
    return cluster
  }

  start (): void {
    for (const n of this.nodes) n.start()
  }

  async statuses (): Promise<Array<ClusterStatus | undefined>> {
    return await Promise.all(this.nodes.map(async n => n.alive ? await n.status() : undefined))
  }

  /** Wait until every live node sees every other live node alive and all agree on one master. */
  async waitConverged (timeoutMs: number, pollMs = 50): Promise<ClusterStatus[]> {
    return await waitFor('the cluster to converge', async () => {
      const live = this.nodes.filter(n => n.alive)
      const st = await Promise.all(live.map(async n => await n.status()))
      if (st.some(s => s == null)) return undefined
      const all = st as ClusterStatus[]
      const seesAll = all.every(s => s.members.filter(m => m.state === 'alive').length >= live.length)
      const masters = new Set(all.map(s => s.master?.id))
      return seesAll && masters.size === 1 && !masters.has(undefined) ? all : undefined
    }, timeoutMs, pollMs)
  }

  async stop (): Promise<void> {
    await Promise.all(this.nodes.map(async n => { await n.stop() }))
  }

  cleanup (): void {
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true })
  }
}
