// Gossip codec for membership: heartbeats and leaves. Every field a peer sends is checked and
// copied into a fresh object, so nothing unexpected reaches the view.
import type { Capacity, ClusterClaim, Load, NodeId, Role } from '../core/types.js'
import type { Heartbeat, Leave } from '../core/membership/heartbeat.js'
import { fail, isObject, ok, parseJsonBounded, preview, type DecodeResult } from './result.js'

export type GossipMessage =
  | { v: 1, kind: 'heartbeat', hb: Heartbeat }
  | { v: 1, kind: 'leave', leave: Leave }

export const MAX_GOSSIP_BYTES = 16 * 1024

/** What peers accept in a heartbeat; a node whose config exceeds these gets its heartbeats rejected. */
export const HEARTBEAT_LIMITS = Object.freeze({
  idChars: 128,
  versionChars: 64,
  addrs: 32,
  addrChars: 256,
  slots: 100_000,
  resources: 32,
  resourceKeyChars: 64,
  labels: 32,
  labelKeyChars: 64,
  labelValueChars: 256,
  handlers: 64,
  handlerChars: 64,
  idListLength: 15,
  /** Slowest heartbeat interval a sender may announce (timeouts stretch with it). */
  everyMs: 60_000
})

const ID_PATTERN = /^[A-Za-z0-9]+$/
const ROLES: readonly Role[] = ['master', 'voter', 'worker']

export function encodeGossip (msg: GossipMessage): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(msg))
}

export function decodeGossip (bytes: Uint8Array): DecodeResult<GossipMessage> {
  const parsed = parseJsonBounded(bytes, MAX_GOSSIP_BYTES)
  if (!parsed.ok) return fail(parsed.reason)
  const msg = parsed.value
  if (!isObject(msg)) return fail(`message: must be a JSON object, got ${preview(msg)}`)
  if (msg.v !== 1) return fail(`v: unsupported protocol version ${preview(msg.v)}, expected 1`)
  switch (msg.kind) {
    case 'heartbeat': {
      const hb = readHeartbeat(msg.hb, 'hb')
      return hb instanceof Invalid ? fail(hb.reason) : ok({ v: 1, kind: 'heartbeat', hb })
    }
    case 'leave': {
      const leave = readLeave(msg.leave, 'leave')
      return leave instanceof Invalid ? fail(leave.reason) : ok({ v: 1, kind: 'leave', leave })
    }
    default:
      return fail(`kind: unknown message kind ${preview(msg.kind)}, expected "heartbeat" or "leave"`)
  }
}

/** A rejected field. Readers return it instead of a value, so the happy path allocates nothing extra. */
class Invalid {
  constructor (readonly reason: string) {}
}

function invalid (path: string, rule: string, value: unknown): Invalid {
  return new Invalid(`${path}: ${rule}, got ${preview(value)}`)
}

function readHeartbeat (value: unknown, path: string): Heartbeat | Invalid {
  if (!isObject(value)) return invalid(path, 'must be an object', value)
  const origin = readLeave(value, path) // a heartbeat opens with the same id, incarnation and seq
  if (origin instanceof Invalid) return origin
  const { id, incarnation, seq } = origin
  const version = readString(value.version, `${path}.version`, 0, HEARTBEAT_LIMITS.versionChars)
  if (version instanceof Invalid) return version
  const addrs = readList(value.addrs, `${path}.addrs`, HEARTBEAT_LIMITS.addrs,
    (a, p) => readString(a, p, 1, HEARTBEAT_LIMITS.addrChars))
  if (addrs instanceof Invalid) return addrs
  const role = readRole(value.role, `${path}.role`)
  if (role instanceof Invalid) return role
  const capacity = readCapacity(value.capacity, `${path}.capacity`)
  if (capacity instanceof Invalid) return capacity
  const load = readLoad(value.load, `${path}.load`)
  if (load instanceof Invalid) return load
  const handlers = readList(value.handlers, `${path}.handlers`, HEARTBEAT_LIMITS.handlers,
    (h, p) => readString(h, p, 1, HEARTBEAT_LIMITS.handlerChars))
  if (handlers instanceof Invalid) return handlers
  const cluster = readClaim(value.cluster, `${path}.cluster`)
  if (cluster instanceof Invalid) return cluster
  if (value.every === undefined) return { id, incarnation, seq, version, addrs, role, capacity, load, handlers, cluster }
  const every = readCount(value.every, `${path}.every`, HEARTBEAT_LIMITS.everyMs)
  if (every instanceof Invalid) return every
  if (every === 0) return invalid(`${path}.every`, 'must be at least 1 ms', every)
  return { id, incarnation, seq, version, addrs, role, capacity, load, handlers, cluster, every }
}

function readLeave (value: unknown, path: string): Leave | Invalid {
  if (!isObject(value)) return invalid(path, 'must be an object', value)
  const id = readId(value.id, `${path}.id`)
  if (id instanceof Invalid) return id
  const incarnation = readCount(value.incarnation, `${path}.incarnation`, Number.MAX_SAFE_INTEGER)
  if (incarnation instanceof Invalid) return incarnation
  const seq = readCount(value.seq, `${path}.seq`, Number.MAX_SAFE_INTEGER)
  if (seq instanceof Invalid) return seq
  return { id, incarnation, seq }
}

function readCapacity (value: unknown, path: string): Capacity | Invalid {
  if (!isObject(value)) return invalid(path, 'must be an object', value)
  const slots = readCount(value.slots, `${path}.slots`, HEARTBEAT_LIMITS.slots)
  if (slots instanceof Invalid) return slots
  const cpus = readAmount(value.cpus, `${path}.cpus`)
  if (cpus instanceof Invalid) return cpus
  const memTotalBytes = readAmount(value.memTotalBytes, `${path}.memTotalBytes`)
  if (memTotalBytes instanceof Invalid) return memTotalBytes
  const memFreeBytes = readAmount(value.memFreeBytes, `${path}.memFreeBytes`)
  if (memFreeBytes instanceof Invalid) return memFreeBytes
  const resources = readRecord(value.resources, `${path}.resources`, HEARTBEAT_LIMITS.resources,
    HEARTBEAT_LIMITS.resourceKeyChars, readAmount)
  if (resources instanceof Invalid) return resources
  const labels = readRecord(value.labels, `${path}.labels`, HEARTBEAT_LIMITS.labels,
    HEARTBEAT_LIMITS.labelKeyChars, (v, p) => readString(v, p, 0, HEARTBEAT_LIMITS.labelValueChars))
  if (labels instanceof Invalid) return labels
  return { slots, cpus, memTotalBytes, memFreeBytes, resources, labels }
}

function readLoad (value: unknown, path: string): Load | Invalid {
  if (!isObject(value)) return invalid(path, 'must be an object', value)
  const running = readCount(value.running, `${path}.running`, Number.MAX_SAFE_INTEGER)
  if (running instanceof Invalid) return running
  const queued = readCount(value.queued, `${path}.queued`, Number.MAX_SAFE_INTEGER)
  if (queued instanceof Invalid) return queued
  const eventLoopDelayMs = readAmount(value.eventLoopDelayMs, `${path}.eventLoopDelayMs`)
  if (eventLoopDelayMs instanceof Invalid) return eventLoopDelayMs
  const loadAvg1 = readAmount(value.loadAvg1, `${path}.loadAvg1`)
  if (loadAvg1 instanceof Invalid) return loadAvg1
  return { running, queued, eventLoopDelayMs, loadAvg1 }
}

function readClaim (value: unknown, path: string): ClusterClaim | Invalid {
  if (!isObject(value)) return invalid(path, 'must be an object', value)
  const voters = readIdSet(value.voters, `${path}.voters`)
  if (voters instanceof Invalid) return voters
  const proposal = readIdSet(value.proposal, `${path}.proposal`)
  if (proposal instanceof Invalid) return proposal
  const epoch = readCount(value.epoch, `${path}.epoch`, Number.MAX_SAFE_INTEGER)
  if (epoch instanceof Invalid) return epoch
  const master = value.master === null ? null : readId(value.master, `${path}.master`)
  if (master instanceof Invalid) return master
  // Optional: nodes leave it out until their voter set is first replaced (older nodes never send it).
  if (value.configVersion === undefined) return { voters, proposal, epoch, master }
  const configVersion = readCount(value.configVersion, `${path}.configVersion`, Number.MAX_SAFE_INTEGER)
  if (configVersion instanceof Invalid) return configVersion
  return { voters, proposal, epoch, master, configVersion }
}

/** null, or a strictly ascending (sorted, unique) list of ids. */
function readIdSet (value: unknown, path: string): NodeId[] | null | Invalid {
  if (value === null) return null
  const ids = readList(value, path, HEARTBEAT_LIMITS.idListLength, readId)
  if (ids instanceof Invalid) return ids
  for (let i = 1; i < ids.length; i++) {
    const prev = ids[i - 1] as NodeId
    const cur = ids[i] as NodeId
    if (!(prev < cur)) return invalid(`${path}[${i}]`, 'ids must be sorted and unique', cur)
  }
  return ids
}

function readRole (value: unknown, path: string): Role | Invalid {
  const role = ROLES.find(r => r === value)
  return role ?? invalid(path, `must be one of ${ROLES.join('|')}`, value)
}

function readId (value: unknown, path: string): NodeId | Invalid {
  if (typeof value !== 'string' || value.length === 0 || value.length > HEARTBEAT_LIMITS.idChars || !ID_PATTERN.test(value)) {
    return invalid(path, `must be 1..${HEARTBEAT_LIMITS.idChars} characters of [A-Za-z0-9]`, value)
  }
  return value
}

function readString (value: unknown, path: string, minChars: number, maxChars: number): string | Invalid {
  if (typeof value !== 'string' || value.length < minChars || value.length > maxChars) {
    return invalid(path, `must be a string of ${minChars}..${maxChars} characters`, value)
  }
  return value
}

/** A non-negative safe integer no larger than max. */
function readCount (value: unknown, path: string, max: number): number | Invalid {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    return invalid(path, `must be an integer in [0, ${max}]`, value)
  }
  return value + 0 // -0 would not survive a re-encode: JSON writes it as 0
}

/** A finite non-negative number. */
function readAmount (value: unknown, path: string): number | Invalid {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    return invalid(path, 'must be a finite number >= 0', value)
  }
  return value + 0
}

function readList<T> (value: unknown, path: string, maxItems: number,
  readItem: (item: unknown, path: string) => T | Invalid): T[] | Invalid {
  if (!Array.isArray(value) || value.length > maxItems) return invalid(path, `must be an array of at most ${maxItems} items`, value)
  const out: T[] = []
  for (let i = 0; i < value.length; i++) {
    const item = readItem(value[i], `${path}[${i}]`)
    if (item instanceof Invalid) return item
    out.push(item)
  }
  return out
}

function readRecord<V> (value: unknown, path: string, maxEntries: number, maxKeyChars: number,
  readValue: (item: unknown, path: string) => V | Invalid): Record<string, V> | Invalid {
  if (!isObject(value)) return invalid(path, 'must be an object', value)
  const keys = Object.keys(value)
  if (keys.length > maxEntries) return invalid(path, `must have at most ${maxEntries} entries`, value)
  const entries: Array<[string, V]> = []
  for (const key of keys) {
    if (key.length === 0 || key.length > maxKeyChars) return invalid(`${path}`, `keys must be 1..${maxKeyChars} characters`, key)
    const item = readValue(value[key], `${path}.${key}`)
    if (item instanceof Invalid) return item
    entries.push([key, item])
  }
  // fromEntries defines own properties, so a "__proto__" key cannot reach the prototype.
  return Object.fromEntries(entries)
}
