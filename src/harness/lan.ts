// A simulated LAN of network namespaces, for mDNS, partitions and chaos runs. Nothing touches
// the default namespace: the bridges live in their own namespace and every address exists
// only inside. Each host has two links:
//   eth0 on the data bridge (10.99.0.<i>): the cluster traffic, mDNS included; cut to partition
//   eth1 on the control bridge (10.98.0.<i>): the harness reads the node's HTTP status here,
//        so a partitioned node can still be observed
// The harness itself runs inside the bridge namespace (see runInNamespace), where both
// bridges have an address.
import { execFileSync, spawnSync } from 'node:child_process'

export const DATA_NET = '10.99.0'
export const CONTROL_NET = '10.98.0'

function ip (...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

export class NetnsLan {
  private constructor (readonly prefix: string, readonly hosts: number) {}

  get bridgeNs (): string { return `${this.prefix}-br` }
  hostNs (i: number): string { return `${this.prefix}-h${i}` }
  dataAddr (i: number): string { return `${DATA_NET}.${i}` }
  controlAddr (i: number): string { return `${CONTROL_NET}.${i}` }

  /** Build the LAN (needs root). `prefix` must be unique among live LANs, e.g. `mcp${pid}`. */
  static create (prefix: string, hosts: number): NetnsLan {
    const lan = new NetnsLan(prefix, hosts)
    lan.destroy() // leftovers of a crashed run with the same prefix
    try {
      const br = lan.bridgeNs
      ip('netns', 'add', br)
      ip('-n', br, 'link', 'set', 'lo', 'up')
      for (const [name, net] of [['br0', DATA_NET], ['br1', CONTROL_NET]] as const) {
        ip('-n', br, 'link', 'add', name, 'type', 'bridge')
        ip('-n', br, 'addr', 'add', `${net}.254/24`, 'dev', name)
        ip('-n', br, 'link', 'set', name, 'up')
      }
      for (let i = 1; i <= hosts; i++) {
        const ns = lan.hostNs(i)
        ip('netns', 'add', ns)
        ip('-n', ns, 'link', 'set', 'lo', 'up')
        for (const [dev, bridge, net, side] of [['eth0', 'br0', DATA_NET, 'd'], ['eth1', 'br1', CONTROL_NET, 'c']] as const) {
          const veth = `v${side}${i}`
          ip('-n', br, 'link', 'add', veth, 'type', 'veth', 'peer', 'name', dev, 'netns', ns)
          ip('-n', br, 'link', 'set', veth, 'master', bridge)
          ip('-n', br, 'link', 'set', veth, 'up')
          ip('-n', ns, 'addr', 'add', `${net}.${i}/24`, 'dev', dev)
          ip('-n', ns, 'link', 'set', dev, 'up')
        }
        // Without this route multicast sends fail (ENETUNREACH) and mDNS finds nobody.
        ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
      }
    } catch (err) {
      lan.destroy()
      throw new Error(`cannot build the namespace LAN: ${err instanceof Error ? err.message : String(err)}`)
    }
    return lan
  }

  /** The handle of a LAN built by another process (the harness runs inside its bridge namespace). */
  static attach (prefix: string, hosts: number): NetnsLan {
    return new NetnsLan(prefix, hosts)
  }

  /** Cut host i off the data network (its control link stays up). */
  isolate (i: number): void { ip('-n', this.bridgeNs, 'link', 'set', `vd${i}`, 'down') }
  heal (i: number): void { ip('-n', this.bridgeNs, 'link', 'set', `vd${i}`, 'up') }

  /** Remove every namespace of this LAN (idempotent; veths and bridges go with them). */
  destroy (): void {
    destroyNamespaces(this.prefix)
  }
}

/** Delete every network namespace whose name starts with `${prefix}-`. */
export function destroyNamespaces (prefix: string): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? ''
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0]
    if (name != null && name.startsWith(`${prefix}-`)) spawnSync('ip', ['netns', 'del', name])
  }
}
