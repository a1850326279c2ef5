// What the master has placed on each worker and not yet seen finish: the scheduler's view of
// load that gossip has not caught up with.
import type { NodeId } from '../types.js'
import type { PlacedResources, TaskRequirements } from '../scheduler/types.js'

// Fractional cpus accumulate rounding error; anything this small is treated as zero.
const EPSILON = 1e-9

export function emptyPlaced (): PlacedResources {
  return { tasks: 0, slots: 0, cpus: 0, memoryBytes: 0, resources: {} }
}

export class PlacedLedger {
  private readonly byNode = new Map<NodeId, PlacedResources>()

  add (node: NodeId, req: TaskRequirements): void {
    this.apply(node, req, 1)
  }

  subtract (node: NodeId, req: TaskRequirements): void {
    this.apply(node, req, -1)
  }

  /** A copy: the scheduler must not see later changes, nor change ours. */
  get (node: NodeId): PlacedResources {
    const p = this.byNode.get(node)
    return p === undefined ? emptyPlaced() : { tasks: p.tasks, slots: p.slots, cpus: p.cpus, memoryBytes: p.memoryBytes, resources: { ...p.resources } }
  }

  drop (node: NodeId): void {
    this.byNode.delete(node)
  }

  nodes (): NodeId[] {
    return [...this.byNode.keys()].sort()
  }

  private apply (node: NodeId, req: TaskRequirements, sign: 1 | -1): void {
    const p = this.byNode.get(node) ?? emptyPlaced()
    p.tasks = clamp(p.tasks + sign)
    p.slots = clamp(p.slots + sign * req.slots)
    p.cpus = clamp(p.cpus + sign * req.cpus)
    p.memoryBytes = clamp(p.memoryBytes + sign * req.memoryBytes)
    for (const [name, amount] of Object.entries(req.resources)) {
      const held = Object.hasOwn(p.resources, name) ? p.resources[name] ?? 0 : 0
      const next = clamp(held + sign * amount)
      if (next === 0) delete p.resources[name]
      else p.resources[name] = next
    }
    if (p.tasks === 0) this.byNode.delete(node)
    else this.byNode.set(node, p)
  }
}

function clamp (value: number): number {
  return value < EPSILON ? 0 : value
}
