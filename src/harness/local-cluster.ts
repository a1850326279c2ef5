// N node processes on 127.0.0.1 with explicit peers and mDNS off: nothing leaves the machine.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeProcess, freePorts, waitFor } from './node-process.js'
import type { ClusterStatus } from '../node/status.js'

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
  /** Extra arguments for node itself (e.g. profiling flags). */
  nodeArgs?: string[]
  /** Voters to wait for (default: min(3, nodes)). */
  expect?: number
}

export class LocalCluster {
  readonly nodes: NodeProcess[] = []
  private constructor (readonly dir: string, private readonly ownsDir: boolean) {}

  static async create (o: LocalClusterOptions): Promise<LocalCluster> {
    const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'mcp-cluster-'))
    const cluster = new LocalCluster(dir, o.dir == null)
    const ports = await freePorts(o.nodes * 2)
    const p2p = ports.slice(0, o.nodes)
    const http = ports.slice(o.nodes)
    for (let i = 0; i < o.nodes; i++) {
      const discovery = o.discovery === 'mdns'
        ? []
        : ['--no-mdns', ...p2p.filter((_, j) => j !== i).flatMap(p => ['--peer', `/ip4/127.0.0.1/tcp/${p}`])]
      cluster.nodes.push(new NodeProcess({
        name: `node${i + 1}`,
        dir: join(dir, `node${i + 1}`),
        http: `127.0.0.1:${http[i]!}`,
        ...(o.nodeArgs != null ? { nodeArgs: o.nodeArgs } : {}),
        args: [
          '--listen', `/ip4/127.0.0.1/tcp/${p2p[i]!}`, ...discovery,
          '--http', `127.0.0.1:${http[i]!}`, '--data-dir', join(dir, `node${i + 1}`, 'data'),
          '--expect', String(o.expect ?? Math.min(3, o.nodes)), '--log-level', o.logLevel ?? 'info',
          ...(o.args ?? [])
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
  async waitConverged (timeoutMs: number): Promise<ClusterStatus[]> {
    return await waitFor('the cluster to converge', async () => {
      const live = this.nodes.filter(n => n.alive)
      const st = await Promise.all(live.map(async n => await n.status()))
      if (st.some(s => s == null)) return undefined
      const all = st as ClusterStatus[]
      const seesAll = all.every(s => s.members.filter(m => m.state === 'alive').length >= live.length)
      const masters = new Set(all.map(s => s.master?.id))
      return seesAll && masters.size === 1 && !masters.has(undefined) ? all : undefined
    }, timeoutMs)
  }

  async stop (): Promise<void> {
    await Promise.all(this.nodes.map(async n => { await n.stop() }))
  }

  cleanup (): void {
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true })
  }
}
