// Which advertised fields differ between two heartbeats of the same member.
import type { DeepReadonly, FrozenHeartbeat } from './heartbeat.js'
import type { HeartbeatField } from './events.js'
import type { Capacity, ClusterClaim } from '../types.js'

/**
 * Fields that changed, in a fixed order. Load and capacity.memFreeBytes move with every beat, so
 * they are left out: an update means the member's offer or its view of the cluster changed.
 * List fields compare in order; senders keep their order stable.
 */
export function changedFields (prev: FrozenHeartbeat, next: FrozenHeartbeat): HeartbeatField[] {
  const changed: HeartbeatField[] = []
  if (prev.version !== next.version) changed.push('version')
  if (!sameList(prev.addrs, next.addrs)) changed.push('addrs')
  if (prev.role !== next.role) changed.push('role')
  if (!sameOffer(prev.capacity, next.capacity)) changed.push('capacity')
  if (!sameList(prev.handlers, next.handlers)) changed.push('handlers')
  if (!sameClaim(prev.cluster, next.cluster)) changed.push('cluster')
  return changed
}

function sameOffer (a: DeepReadonly<Capacity>, b: DeepReadonly<Capacity>): boolean {
  return a.slots === b.slots &&
    a.cpus === b.cpus &&
    a.memTotalBytes === b.memTotalBytes &&
    sameRecord(a.resources, b.resources) &&
    sameRecord(a.labels, b.labels)
}

function sameClaim (a: DeepReadonly<ClusterClaim>, b: DeepReadonly<ClusterClaim>): boolean {
  return a.epoch === b.epoch &&
    a.master === b.master &&
    a.configVersion === b.configVersion &&
    sameNullableList(a.voters, b.voters) &&
    sameNullableList(a.proposal, b.proposal)
}

function sameNullableList<T> (a: readonly T[] | null, b: readonly T[] | null): boolean {
  if (a === null || b === null) return a === b
  return sameList(a, b)
}

function sameList<T> (a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function sameRecord<V> (a: Readonly<Record<string, V>>, b: Readonly<Record<string, V>>): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) if (!Object.hasOwn(b, key) || a[key] !== b[key]) return false
  return true
}
