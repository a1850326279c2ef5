// Doing the faults to node processes and to the namespace LAN, and undoing them. Keeps track of
// what is in force, so that the load client avoids broken nodes and cleanup undoes everything.
import { spawnSync } from 'node:child_process'
import type { LocalCluster } from '../local-cluster.js'
import type { NetnsLan } from '../lan.js'
import type { FaultKind } from './events.js'

export class FaultInjector {
  private readonly killed = new Set<number>()
  private readonly paused = new Set<number>()
  private readonly isolated = new Set<number>()
  private readonly lossy = new Set<number>()
  /** Deaths per node: a request through a node that died since it was sent has lost its submitter. */
  private readonly deaths: number[]
  /** When each node was last (re)started by a fault (0: only the first start). */
  private readonly restartedAt: number[]

  constructor (private readonly cluster: LocalCluster, private readonly lan?: NetnsLan) {
    this.deaths = cluster.nodes.map(() => 0)
    this.restartedAt = cluster.nodes.map(() => 0)
  }

  /** Up and reachable: not killed, paused or cut off. Loss only slows a node down. */
  healthy (i: number): boolean {
    return this.cluster.nodes[i]!.alive && !this.killed.has(i) && !this.paused.has(i) && !this.isolated.has(i)
  }

  isKilled (i: number): boolean { return this.killed.has(i) }
  isPaused (i: number): boolean { return this.paused.has(i) }
  deathsOf (i: number): number { return this.deaths[i]! }
  restartedAtOf (i: number): number { return this.restartedAt[i]! }

  async kill (i: number): Promise<void> {
    const node = this.cluster.nodes[i]!
    // Marked before the signal: a client whose connection drops must already see it dead.
    this.killed.add(i)
    this.deaths[i]!++
    node.signal('SIGKILL')
    await node.waitExit()
  }

  restart (i: number): void {
    this.killed.delete(i)
    this.restartedAt[i] = Date.now()
    this.cluster.nodes[i]!.start()
  }

  pause (i: number): void {
    this.paused.add(i)
    this.cluster.nodes[i]!.signal('SIGSTOP')
  }

  resume (i: number): void {
    this.cluster.nodes[i]!.signal('SIGCONT')
    this.paused.delete(i)
  }

  /** Cut host i off the data network; its control link (status, submissions) stays up. */
  isolate (i: number): void {
    this.needLan().isolate(i + 1)
    this.isolated.add(i)
  }

  heal (i: number): void {
    this.needLan().heal(i + 1)
    this.isolated.delete(i)
  }

  /** Packet loss and delay on host i's data link, both ways (its eth0 and the bridge's end). */
  lossOn (i: number, lossPercent: number, delayMs: number): void {
    for (const [ns, dev] of this.dataLinkEnds(i)) tc(['-n', ns, 'qdisc', 'replace', 'dev', dev, 'root', 'netem', 'loss', `${lossPercent}%`, 'delay', `${delayMs}ms`])
    this.lossy.add(i)
  }

  lossOff (i: number): void {
    for (const [ns, dev] of this.dataLinkEnds(i)) spawnSync('tc', ['-n', ns, 'qdisc', 'del', 'dev', dev, 'root'])
    this.lossy.delete(i)
  }

  /**
   * Undo every fault in force except kills (a killed node is restarted only by a restart fault).
   * Each undo is tried even if another fails; the first failure is thrown at the end.
   */
  restoreAll (): void {
    const undo = [
      ...[...this.paused].map(i => () => { this.resume(i) }),
      ...[...this.isolated].map(i => () => { this.heal(i) }),
      ...[...this.lossy].map(i => () => { this.lossOff(i) })
    ]
    let first: unknown
    for (const u of undo) {
      try { u() } catch (err) { first ??= err }
    }
    if (first !== undefined) throw first
  }

  private dataLinkEnds (i: number): Array<[string, string]> {
    const lan = this.needLan()
    return [[lan.hostNs(i + 1), 'eth0'], [lan.bridgeNs, `vd${i + 1}`]]
  }

  private needLan (): NetnsLan {
    if (this.lan == null) throw new Error('this fault needs the namespace LAN')
    return this.lan
  }
}

function tc (args: string[]): void {
  const r = spawnSync('tc', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`tc ${args.join(' ')}: ${(r.stderr ?? r.error?.message ?? '').trim()}`)
}

/**
 * Why a fault cannot run here, or undefined. On loopback only process faults exist; on the LAN,
 * loss needs the kernel's netem qdisc (tried on the LAN's first link, then removed).
 */
export function faultUnavailable (kind: FaultKind, lan: NetnsLan | undefined): string | undefined {
  if (lan == null && (kind === 'partition' || kind === 'loss')) return 'needs the namespace LAN (root, without --loopback)'
  if (lan == null || kind !== 'loss') return undefined
  const probe = spawnSync('tc', ['-n', lan.bridgeNs, 'qdisc', 'add', 'dev', 'vd1', 'root', 'netem', 'loss', '0%'], { encoding: 'utf8' })
  if (probe.error != null) return `tc is not installed (${probe.error.message})`
  if (probe.status !== 0) return `this kernel has no netem qdisc (tc said: ${probe.stderr.trim()})`
  spawnSync('tc', ['-n', lan.bridgeNs, 'qdisc', 'del', 'dev', 'vd1', 'root'])
  return undefined
}
