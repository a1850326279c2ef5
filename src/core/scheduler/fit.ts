// Whether a task fits on a node, and why not in words. The master's knowledge of a node is two
// lagging sources: the load the node gossiped and what the master placed there itself. Where both
// describe the same thing the larger one wins, so neither a gossip lag nor tasks the master does
// not know about (a previous master's) can cause over-placement.
import type { PendingTask, WorkerState } from './types.js'

/** Why a node can never run a task, as long as its advertised capacity and labels stay the same. */
export type NeverFit = 'master-excluded' | 'no-handler' | 'label-mismatch' | 'exceeds-total'

/** Why a node cannot run a task right now, though it could once running work finishes. */
export type NoRoom = 'slots-busy' | 'cpus-busy' | 'memory-busy' | 'resource-busy'

/** A task's requirements flattened once, so that checking it against every node stays cheap. */
export interface Needs {
  task: PendingTask
  /** Custom resources with a positive amount. */
  resources: Array<[name: string, amount: number]>
  constraints: Array<[label: string, value: string]>
}

export function needsOf (task: PendingTask): Needs {
  return {
    task,
    resources: Object.entries(task.req.resources).filter(([, amount]) => amount > 0),
    constraints: Object.entries(task.req.constraints)
  }
}

/** Own properties only: peer-supplied keys such as "constructor" must not reach the prototype. */
function own<V> (record: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

/** Plain assignment of "__proto__" would change the prototype instead of adding a key. */
function setOwn (record: Record<string, number>, key: string, value: number): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
}

export function slotsInUse (w: WorkerState): number {
  return Math.max(w.load.running + w.load.queued, w.placed.slots)
}

function freeMemory (w: WorkerState): number {
  return Math.min(w.capacity.memFreeBytes, w.capacity.memTotalBytes - w.placed.memoryBytes)
}

function placedResource (w: WorkerState, name: string): number {
  return own(w.placed.resources, name) ?? 0
}

function totalResource (w: WorkerState, name: string): number {
  return own(w.capacity.resources, name) ?? 0
}

function firstLabelMismatch (n: Needs, w: WorkerState): [label: string, value: string] | undefined {
  return n.constraints.find(([label, value]) => own(w.capacity.labels, label) !== value)
}

function firstTotalShortage (n: Needs, w: WorkerState): string | undefined {
  const r = n.task.req
  if (r.slots > w.capacity.slots) return 'slots'
  if (r.cpus > 0 && r.cpus > w.capacity.cpus) return 'cpus'
  if (r.memoryBytes > 0 && r.memoryBytes > w.capacity.memTotalBytes) return 'memory'
  for (const [name, amount] of n.resources) if (amount > totalResource(w, name)) return `resource:${name}`
  return undefined
}

export function neverFits (n: Needs, w: WorkerState, allowMasterTasks: boolean): NeverFit | null {
  if (w.isMaster && !allowMasterTasks) return 'master-excluded'
  if (!w.handlers.includes(n.task.type)) return 'no-handler'
  if (n.constraints.length > 0 && firstLabelMismatch(n, w) !== undefined) return 'label-mismatch'
  if (firstTotalShortage(n, w) !== undefined) return 'exceeds-total'
  return null
}

function firstBusyResource (n: Needs, w: WorkerState): [name: string, amount: number] | undefined {
  return n.resources.find(([name, amount]) => placedResource(w, name) + amount > totalResource(w, name))
}

/** Checks only what changes as work comes and goes; assumes neverFits() passed. */
export function noRoomNow (n: Needs, w: WorkerState): NoRoom | null {
  const r = n.task.req
  if (slotsInUse(w) + r.slots > w.capacity.slots) return 'slots-busy'
  if (r.cpus > 0 && w.placed.cpus + r.cpus > w.capacity.cpus) return 'cpus-busy'
  if (r.memoryBytes > 0 && r.memoryBytes > freeMemory(w)) return 'memory-busy'
  if (n.resources.length > 0 && firstBusyResource(n, w) !== undefined) return 'resource-busy'
  return null
}

/**
 * The node as the master should see it right after placing the task there. The task counts as
 * queued on the node (by slots) and as consuming its memory, exactly as the next heartbeat would
 * show it, so the gossiped and the placed estimates both grow by the task's size.
 */
export function withTask (w: WorkerState, n: Needs): WorkerState {
  const r = n.task.req
  const resources = { ...w.placed.resources }
  for (const [name, amount] of n.resources) setOwn(resources, name, placedResource(w, name) + amount)
  return {
    ...w,
    capacity: { ...w.capacity, memFreeBytes: w.capacity.memFreeBytes - r.memoryBytes },
    load: { ...w.load, queued: w.load.queued + r.slots },
    placed: {
      tasks: w.placed.tasks + 1,
      slots: w.placed.slots + r.slots,
      cpus: w.placed.cpus + r.cpus,
      memoryBytes: w.placed.memoryBytes + r.memoryBytes,
      resources
    }
  }
}

/**
 * How far the node is from fitting the task now, each short dimension as a fraction of the node's
 * total (0 = fits). Picks which node a starving task reserves.
 */
export function shortfall (n: Needs, w: WorkerState): number {
  const r = n.task.req
  let sum = Math.max(0, slotsInUse(w) + r.slots - w.capacity.slots) / Math.max(1, w.capacity.slots)
  if (r.cpus > 0) sum += Math.max(0, w.placed.cpus + r.cpus - w.capacity.cpus) / Math.max(1, w.capacity.cpus)
  if (r.memoryBytes > 0) sum += Math.max(0, r.memoryBytes - freeMemory(w)) / Math.max(1, w.capacity.memTotalBytes)
  for (const [name, amount] of n.resources) {
    sum += Math.max(0, placedResource(w, name) + amount - totalResource(w, name)) / Math.max(1, totalResource(w, name))
  }
  return sum
}

export function describeMisfit (why: NeverFit | NoRoom, n: Needs, w: WorkerState): string {
  const r = n.task.req
  switch (why) {
    case 'master-excluded':
      return 'master runs no tasks'
    case 'no-handler':
      return `no handler for type '${n.task.type}'`
    case 'label-mismatch': {
      const [label, value] = firstLabelMismatch(n, w) ?? ['', '']
      const have = own(w.capacity.labels, label)
      const want = `label ${label}=${value} required`
      return have === undefined ? `${want}, node has no ${label}` : `${want}, node has ${label}=${have}`
    }
    case 'exceeds-total': {
      const what = firstTotalShortage(n, w) ?? ''
      if (what === 'slots') return `needs ${count(r.slots, 'slot')}, node has ${w.capacity.slots} in total`
      if (what === 'cpus') return `needs ${count(r.cpus, 'cpu')}, node has ${num(w.capacity.cpus)} in total`
      if (what === 'memory') return `needs ${bytes(r.memoryBytes)} memory, node has ${bytes(w.capacity.memTotalBytes)} in total`
      const name = what.slice('resource:'.length)
      return `needs ${num(own(r.resources, name) ?? 0)} ${name}, node has ${num(totalResource(w, name))} in total`
    }
    case 'slots-busy': {
      const used = slotsInUse(w)
      const free = Math.max(0, w.capacity.slots - used)
      const usage = `${used}/${w.capacity.slots} used`
      return free === 0 ? `no free slot (${usage})` : `needs ${count(r.slots, 'slot')}, ${free} free (${usage})`
    }
    case 'cpus-busy':
      return `needs ${count(r.cpus, 'cpu')}, ${num(Math.max(0, w.capacity.cpus - w.placed.cpus))} free`
    case 'memory-busy':
      return `needs ${bytes(r.memoryBytes)} memory, ${bytes(Math.max(0, freeMemory(w)))} free`
    case 'resource-busy': {
      const [name, amount] = firstBusyResource(n, w) ?? ['', 0]
      return `needs ${num(amount)} ${name}, ${num(Math.max(0, totalResource(w, name) - placedResource(w, name)))} free`
    }
  }
}

function num (x: number): string {
  return Number.isInteger(x) ? String(x) : String(Math.round(x * 100) / 100)
}

function count (n: number, unit: string): string {
  return `${num(n)} ${unit}${n === 1 ? '' : 's'}`
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

function bytes (n: number): string {
  let value = n
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return `${num(Math.round(value * 10) / 10)} ${BYTE_UNITS[unit] ?? 'B'}`
}
