// What became of each task the client submitted, and which tasks ran more than once.
import type { ChaosEvent, ClientEvent, FaultEvent } from './events.js'

export interface LostTask {
  id: string
  /** Peer id of the node the client submitted it through. */
  via: string
  submittedAt: number
  /** Why the client has no result. */
  reason: string
  /** Whether some worker finished it successfully anyway (the result went missing on its way back). */
  ranOk: boolean
}

export interface TaskOutcomes {
  submitted: number
  done: number
  /** Tasks that ended with an error result, by error code: not lost, but counted. */
  failed: Record<string, number>
  /** Requests the node refused outright (HTTP error, connection refused): never accepted. */
  rejected: Record<string, number>
  /** No result, but the node they were submitted through was killed meanwhile: nobody owes them. */
  orphaned: number
  /** Of those, how many a worker finished anyway. */
  orphanedRan: number
  /** Still open when the run was interrupted: no verdict. */
  abandoned: number
  /** Accepted, never answered, and their submitting node lived: the anomaly. */
  lost: LostTask[]
}

export interface Run { node: string, attempt: number, epoch: number, t: number }

export type DuplicateReason = 'worker-killed' | 'worker-cut-off' | 'worker-lost' | 'master-changed'

export interface Duplicate {
  id: string
  /** The extra run, and the earlier runs that were still going (or had succeeded) when it started. */
  run: Run
  earlier: Run[]
  reasons: DuplicateReason[]
  /** Every earlier run has a reason to have been given up on. */
  explained: boolean
}

type Submit = Extract<ClientEvent, { type: 'submit' }>

export function taskOutcomes (events: readonly ChaosEvent[]): TaskOutcomes {
  const submits = new Map<string, Submit>()
  const ends = new Map<string, Exclude<ClientEvent, Submit>>()
  const ranOk = new Set<string>()
  const kills = new Map<string, number[]>()
  for (const e of events) {
    if (e.type === 'submit' && !submits.has(e.id)) submits.set(e.id, e)
    else if (e.type === 'result' || e.type === 'request-error') ends.set(e.id, e)
    else if (e.type === 'task-end' && e.ok) ranOk.add(e.id)
    else if (e.type === 'fault' && e.kind === 'kill' && e.phase === 'inject') push(kills, e.target, e.t)
  }
  const out: TaskOutcomes = { submitted: submits.size, done: 0, failed: {}, rejected: {}, orphaned: 0, orphanedRan: 0, abandoned: 0, lost: [] }
  for (const s of submits.values()) {
    const end = ends.get(s.id)
    if (end?.type === 'result') {
      if (end.ok) out.done++
      else bump(out.failed, end.code ?? 'unknown')
      continue
    }
    if (end?.abandoned === true) {
      out.abandoned++
      continue
    }
    if (end?.status !== undefined || end?.unreachable === true) {
      bump(out.rejected, end.status !== undefined ? `http ${end.status}` : 'unreachable')
      continue
    }
    // Unknown outcome: the connection was cut, or the request was still open at the end.
    // The kill is logged around when the connection drops, hence the slack.
    const until = end !== undefined ? end.t + 1000 : Infinity
    if ((kills.get(s.via) ?? []).some(t => t >= s.t && t <= until)) {
      out.orphaned++
      if (ranOk.has(s.id)) out.orphanedRan++
      continue
    }
    out.lost.push({ id: s.id, via: s.via, submittedAt: s.t, reason: end?.reason ?? 'no answer recorded', ranOk: ranOk.has(s.id) })
  }
  return out
}

/**
 * A run of a task is a duplicate when an earlier run of the same id was still going, or had
 * succeeded, when it started (a run after a failed one is a retry). It is explained when, for
 * every such earlier run, the master had a reason docs/tasks.md allows to give up on the older
 * attempt of the two: its worker was killed or restarted, paused or cut off, or declared lost
 * by a master, or the two runs were ordered in different terms.
 */
export function findDuplicates (events: readonly ChaosEvent[]): Duplicate[] {
  const runs = new Map<string, Array<Run & { failedAt: number }>>()
  const open = new Map<string, Run & { failedAt: number }>()
  const why: Evidence = { placedAt: new Map(), restarts: new Map(), declaredLost: new Map(), faults: new Map() }
  for (const e of events) {
    if (e.type === 'task-start') {
      const run = { node: e.node, attempt: e.attempt, epoch: e.epoch, t: e.t, failedAt: Infinity }
      push(runs, e.id, run)
      open.set(`${e.node} ${e.id} ${e.attempt}`, run)
    } else if (e.type === 'task-end') {
      const key = `${e.node} ${e.id} ${e.attempt}`
      const run = open.get(key)
      if (run !== undefined && !e.ok) run.failedAt = e.t
      open.delete(key)
    } else if (e.type === 'assign-sent') {
      for (const [id, attempt] of e.tasks) if (!why.placedAt.has(`${id} ${attempt}`)) why.placedAt.set(`${id} ${attempt}`, e.t)
    } else if (e.type === 'start') push(why.restarts, e.node, e.t)
    else if (e.type === 'worker-lost') push(why.declaredLost, e.node, e.t)
    else if (e.type === 'fault') push(why.faults, e.target, e)
  }
  const out: Duplicate[] = []
  for (const [id, list] of runs) {
    for (let k = 1; k < list.length; k++) {
      const run = list[k]!
      const earlier = list.slice(0, k).filter(p => p.failedAt > run.t)
      if (earlier.length === 0) continue
      const perRun = earlier.map(p => reasonsFor(id, p, run, why))
      out.push({
        id,
        run: strip(run),
        earlier: earlier.map(strip),
        reasons: [...new Set(perRun.flat())].sort(),
        explained: perRun.every(r => r.length > 0)
      })
    }
  }
  return out
}

interface Evidence {
  /** When the master first ordered each attempt (`${id} ${attempt}`). */
  placedAt: Map<string, number>
  restarts: Map<string, number[]>
  declaredLost: Map<string, number[]>
  faults: Map<string, FaultEvent[]>
}

function reasonsFor (id: string, a: Run, b: Run, why: Evidence): DuplicateReason[] {
  const reasons: DuplicateReason[] = []
  if (a.epoch !== b.epoch) reasons.push('master-changed')
  // The master gives up on an attempt before it orders the next one, so the lower attempt is
  // the one given up on, whichever started first (an order can reach a busy worker late). The
  // reason lies between its order and the start of the other.
  const [older, newer] = b.attempt < a.attempt ? [b, a] : [a, b]
  const from = why.placedAt.get(`${id} ${older.attempt}`) ?? Math.min(older.t, newer.t)
  const within = (t: number): boolean => t >= from && t <= newer.t
  const hits = why.faults.get(older.node) ?? []
  if ((why.restarts.get(older.node) ?? []).some(within) || hits.some(f => f.kind === 'kill' && within(f.t))) reasons.push('worker-killed')
  if (cutOffDuring(hits, from, newer.t)) reasons.push('worker-cut-off')
  if ((why.declaredLost.get(older.node) ?? []).some(within)) reasons.push('worker-lost')
  return reasons
}

/** Whether a pause, partition or lossy link on that node overlapped [from, to]. */
function cutOffDuring (hits: readonly FaultEvent[], from: number, to: number): boolean {
  for (let i = 0; i < hits.length; i++) {
    const f = hits[i]!
    if (f.phase !== 'inject' || !(f.kind === 'pause' || f.kind === 'partition' || f.kind === 'loss') || f.t > to) continue
    const end = hits.slice(i + 1).find(g => g.kind === f.kind && g.phase === 'end')?.t ?? Infinity
    if (end >= from) return true
  }
  return false
}

function strip (r: Run): Run {
  return { node: r.node, attempt: r.attempt, epoch: r.epoch, t: r.t }
}

function push<K, V> (m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k)
  if (list === undefined) m.set(k, [v])
  else list.push(v)
}

function bump (r: Record<string, number>, k: string): void {
  r[k] = (r[k] ?? 0) + 1
}
