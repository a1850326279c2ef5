// A seeded, in-memory cluster for the task lifecycle: every node runs a SubmitterLedger and a
// WorkerLedger, the master also a TaskTable. Messages cross the real wire codec with random
// delays (FIFO per link, reordered across links); an election oracle moves the master on crash
// or pause with a higher epoch and announces it to each node at a different time. Faults: worker
// crashes (state lost, in-flight messages lost, restart later), master crashes, master pauses
// (the paused master resumes still believing it is master and sends stale orders).
import { randomInt, seededRng } from '../../src/core/random.js'
import type { Epoch, NodeId, Rng } from '../../src/core/types.js'
import type { TaskMessage } from '../../src/core/tasks/messages.js'
import { SubmitterLedger, type Settlement } from '../../src/core/tasks/submitter.js'
import { TaskTable } from '../../src/core/tasks/table.js'
import type { TableCounters } from '../../src/core/tasks/table-types.js'
import type { TaskOutcome, TaskSpec } from '../../src/core/tasks/types.js'
import { WorkerLedger, type CheckOrder } from '../../src/core/tasks/worker.js'
import { decodeTaskFrame, encodeTaskFrame } from '../../src/wire/tasks.js'
import { spec, workerInfo } from './tasks-fixtures.js'

const TICK_MS = 5
const MAX_DELAY_MS = 30
/** Some frames are slow (a busy peer): still well inside the reconcile window for a round trip. */
const SLOW_DELAY_MS = 120
const SLOW_RATE = 0.05
/** Membership's dead verdict, scaled down with the rest of the simulated timings. */
const DETECT_MS = 300
const HANDLER_FAILURE_RATE = 0.1
const LONG_HANDLER_RATE = 0.2
/** Tasks marked deterministic, with payloads drawn from a few values so that keys repeat. */
const CACHED_RATE = 0.3
const CACHED_PAYLOADS = 3

export interface Execution {
  id: string
  node: NodeId
  incarnation: number
  attempt: number
  orderEpoch: Epoch
  start: number
  end: number | null
  outcome: 'ok' | 'error' | 'aborted' | 'crashed' | null
  /** The master whose doneAck for its result reached the worker, if any. */
  ackedBy: NodeId | null
  ackedAt: number | null
  /** A re-run of this task is excused: its worker crashed or was cut off while it was unfinished, or a stale master ordered it. */
  excuse: string | null
}

interface SimNode {
  id: NodeId
  slots: number
  incarnation: number
  crashed: boolean
  detectedDead: boolean
  pausedUntil: number | null
  backlog: Array<{ from: NodeId, msgs: TaskMessage[] }>
  fence: { epoch: Epoch, master: NodeId | null }
  /** Seq of the last election news applied. */
  lastFact: number
  /** Highest epoch this node has heard of, from the election or in an order: after that, older orders must be refused. */
  seenEpoch: Epoch
  submitter: SubmitterLedger
  worker: WorkerLedger
  table: TaskTable | null
}

interface Event { at: number, seq: number, run: () => void }

/** One piece of election news: who is master (or that nobody is) in which term. */
interface Fact { seq: number, master: NodeId | null, epoch: Epoch }

export interface SimReport {
  /** orphaned: its submitter crashed before it settled, so no one is owed a result. */
  submitted: Map<string, { submitter: NodeId, incarnation: number, spec: TaskSpec, orphaned: boolean }>
  settlements: Map<string, Settlement[]>
  executions: Map<string, Execution[]>
  violations: string[]
  faults: string[]
  tableCounters: TableCounters[]
  endedAt: number
}

export class TaskClusterSim {
  private now = 0
  private seq = 0
  private events: Event[] = []
  private readonly rng: Rng
  /** Draws which tasks are cacheable, apart from `rng` so that the rest of a seed's run stays recognisable. */
  private readonly cacheRng: Rng
  private readonly nodes: SimNode[] = []
  private readonly linkClock = new Map<string, number>()
  /** When each node crashed or was paused. */
  private readonly failures = new Map<NodeId, number[]>()
  private epoch = 1
  private master: NodeId | null = null
  private factSeq = 0
  private lastFact: Fact | null = null
  private readonly report: SimReport = {
    submitted: new Map(), settlements: new Map(), executions: new Map(), violations: [], faults: [], tableCounters: [], endedAt: 0
  }

  /** trace: called with one line per delivered frame and fault, for replaying a failing seed. */
  constructor (seed: number, nodeCount: number, private readonly trace?: (line: string) => void) {
    this.rng = seededRng(seed)
    this.cacheRng = seededRng(seed ^ 0x5eed)
    for (let i = 0; i < nodeCount; i++) this.nodes.push(this.freshNode(`n${i}`, randomInt(this.rng, 1, 3), 0))
  }

  run (opts: { tasks: number, faults: number, chaosMs: number, maxMs: number }): SimReport {
    const first = this.pick(this.nodes)
    this.elect(first, 0)
    for (let i = 0; i < opts.tasks; i++) this.at(randomInt(this.rng, 0, opts.chaosMs), () => this.submitOne(i))
    for (let i = 0; i < opts.faults; i++) this.at(randomInt(this.rng, 100, opts.chaosMs), () => this.injectFault())
    for (const node of this.nodes) this.at(randomInt(this.rng, 0, TICK_MS - 1), () => this.tickLoop(node))
    let checkedAt = 0
    while (this.events.length > 0) {
      const ev = this.events.shift() as Event
      this.now = ev.at
      if (this.now > opts.maxMs) break
      ev.run()
      if (this.now > opts.chaosMs && this.now - checkedAt >= 100) {
        checkedAt = this.now
        if (this.quiet()) break
      }
    }
    this.report.endedAt = this.now
    for (const node of this.nodes) if (node.table !== null) this.report.tableCounters.push(node.table.snapshot().counters)
    return this.report
  }

  // ---- scheduling

  private at (time: number, run: () => void): void {
    const ev = { at: time, seq: this.seq++, run }
    let lo = 0
    let hi = this.events.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const e = this.events[mid] as Event
      if (e.at < ev.at || (e.at === ev.at && e.seq < ev.seq)) lo = mid + 1
      else hi = mid
    }
    this.events.splice(lo, 0, ev)
  }

  private tickLoop (node: SimNode): void {
    if (!node.crashed && node.pausedUntil === null) {
      node.submitter.tick(this.now)
      node.worker.tick(this.now)
      node.table?.tick(this.now)
      this.flush(node)
    }
    this.at(this.now + TICK_MS, () => this.tickLoop(node))
  }

  private fault (line: string): void {
    this.report.faults.push(`${this.now}: ${line}`)
    this.trace?.(`${this.now} FAULT ${line}`)
  }

  /** Every live submitter's tasks are settled. */
  private quiet (): boolean {
    for (const [id, sub] of this.report.submitted) if (!sub.orphaned && !this.report.settlements.has(id)) return false
    return true
  }

  // ---- nodes and election oracle

  private freshNode (id: NodeId, slots: number, incarnation: number): SimNode {
    const fence = { epoch: -1, master: null as NodeId | null }
    // Stands in for the election's FencingGuard: never older than seen, and only the known master of a term.
    const checkOrder: CheckOrder = (epoch, from) => {
      if (epoch < fence.epoch) return { ok: false, reason: `epoch ${epoch} is older than ${fence.epoch}` }
      if (epoch === fence.epoch && fence.master !== null && from !== fence.master) return { ok: false, reason: `${from} is not the master of epoch ${epoch}` }
      if (epoch > fence.epoch) {
        fence.epoch = epoch
        fence.master = from
      }
      return { ok: true }
    }
    return {
      id, slots, incarnation, crashed: false, detectedDead: false, pausedUntil: null, backlog: [], fence, lastFact: 0, seenEpoch: -1,
      submitter: new SubmitterLedger(id, { submitTimeoutMs: 60_000 }),
      worker: new WorkerLedger({ slots, handlers: { echo: {} } }, checkOrder),
      table: null
    }
  }

  private elect (node: SimNode, epoch: Epoch): void {
    this.epoch = Math.max(this.epoch, epoch)
    this.master = node.id
    node.table = new TaskTable({ epoch: this.epoch, now: this.now, workers: this.aliveView() })
    this.flush(node)
    this.broadcast(node.id, 5, 150)
  }

  /** The election's news, reaching each node after its own delay (the new master itself at once). */
  private broadcast (master: NodeId | null, minDelay: number, maxDelay: number, except?: NodeId): void {
    const fact: Fact = { seq: ++this.factSeq, master, epoch: this.epoch }
    this.lastFact = fact
    for (const node of this.nodes) {
      if (node.id === except) continue
      const delay = node.id === master ? 0 : randomInt(this.rng, minDelay, maxDelay)
      this.at(this.now + delay, () => this.announce(node, fact))
    }
  }

  private announce (node: SimNode, fact: Fact): void {
    if (node.crashed) return
    if (node.pausedUntil !== null) {
      // The paused process hears nothing; it learns after it resumes (and after some stale work).
      this.at(node.pausedUntil + randomInt(this.rng, 1, 100), () => this.announce(node, fact))
      return
    }
    // What a node learns from its election only moves forward.
    if (fact.seq <= node.lastFact) return
    node.lastFact = fact.seq
    const { master, epoch } = fact
    this.trace?.(`${this.now} ${node.id} hears: master ${master ?? 'none'} at epoch ${epoch}`)
    node.seenEpoch = Math.max(node.seenEpoch, epoch)
    if (epoch > node.fence.epoch || (epoch === node.fence.epoch && master !== null)) {
      node.fence.epoch = epoch
      node.fence.master = master
    }
    // The lease is gone: a newer term, or this term's lease expired without a successor yet.
    if (node.table !== null && (epoch > node.table.epoch || (epoch === node.table.epoch && master !== node.id))) node.table = null
    node.submitter.masterChanged(master, epoch, this.now)
    node.worker.masterChanged(master, epoch, this.now)
    this.flush(node)
  }

  private aliveView (): ReturnType<typeof workerInfo>[] {
    return this.nodes.filter(n => !n.detectedDead).map(n => workerInfo(n.id, n.slots))
  }

  private masterNode (): SimNode | undefined {
    return this.nodes.find(n => n.id === this.master)
  }

  private failover (): void {
    const old = this.masterNode()
    if (old !== undefined && !old.crashed && old.pausedUntil === null && old.table !== null) {
      // It came back in time and renewed its lease: everyone hears of it again.
      this.broadcast(old.id, 5, 150)
      return
    }
    const candidates = this.nodes.filter(n => !n.crashed && n.pausedUntil === null)
    if (candidates.length === 0) {
      this.at(this.now + 100, () => this.failover())
      return
    }
    const chosen = this.pick(candidates)
    this.fault(`${chosen.id} elected at epoch ${this.epoch + 1}`)
    this.elect(chosen, this.epoch + 1)
  }

  // ---- faults

  private injectFault (): void {
    const usable = this.nodes.filter(n => !n.crashed && n.pausedUntil === null)
    if (usable.length <= 2) return
    const master = this.masterNode()
    const roll = this.rng.next()
    if (master === undefined || master.crashed || master.pausedUntil !== null || roll < 0.4) {
      const victim = this.pick(usable.filter(n => n.id !== this.master))
      if (victim !== undefined) this.crash(victim)
    } else {
      if (roll < 0.7) this.crash(master)
      else this.pause(master, randomInt(this.rng, 200, 1500))
      // Lease expiry: the other nodes stop believing in the old master, one by one, before a
      // successor exists. The old master itself only learns from the next fact: a renewal or a newer term.
      this.broadcast(null, 100, 300, master.id)
      this.at(this.now + randomInt(this.rng, 300, 600), () => this.failover())
    }
  }

  private crash (node: SimNode): void {
    this.fault(`${node.id} crashed${node.id === this.master ? ' (master)' : ''}`)
    this.excuseLost(node, 'crashed')
    for (const ex of this.executionsOn(node)) {
      if (ex.end === null) {
        ex.end = this.now
        ex.outcome = 'crashed'
      }
    }
    for (const [id, sub] of this.report.submitted) {
      if (sub.submitter === node.id && sub.incarnation === node.incarnation && !this.report.settlements.has(id)) sub.orphaned = true
    }
    node.crashed = true
    node.table = null
    if (node.id === this.master) this.master = null
    this.at(this.now + DETECT_MS, () => {
      node.detectedDead = true
      for (const n of this.nodes) if (!n.crashed && n.pausedUntil === null) n.table?.workerDead(node.id, this.now)
      for (const n of this.nodes) this.flush(n)
      this.at(this.now + randomInt(this.rng, 200, 1000), () => this.restart(node))
    })
  }

  /**
   * A node crashed or was cut off: a later re-run of a task is excused if this took the only
   * copies of its outcome, i.e. the worker that ran it and, once acknowledged, the master holding it.
   */
  private excuseLost (node: SimNode, how: string): void {
    const failures = this.failures.get(node.id) ?? []
    failures.push(this.now)
    this.failures.set(node.id, failures)
    const failedSince = (id: NodeId, t: number): boolean => (this.failures.get(id) ?? []).some(f => f >= t)
    for (const list of this.report.executions.values()) {
      for (const ex of list) {
        if (ex.excuse !== null) continue
        const ranHere = ex.node === node.id && ex.incarnation === node.incarnation
        if (ranHere && (ex.end === null || ex.ackedBy === null || ex.ackedAt === null || ex.ackedBy === node.id || failedSince(ex.ackedBy, ex.ackedAt))) {
          ex.excuse = `worker ${node.id} ${how}`
        } else if (ex.ackedBy === node.id && ex.ackedAt !== null && failedSince(ex.node, ex.ackedAt)) {
          ex.excuse = `worker ${ex.node} and then master ${node.id} were lost`
        }
      }
    }
  }

  private restart (node: SimNode): void {
    const fresh = this.freshNode(node.id, node.slots, node.incarnation + 1)
    Object.assign(node, fresh)
    this.fault(`${node.id} restarted`)
    const master = this.masterNode()
    if (master !== undefined && master.table !== null && !master.crashed && master.pausedUntil === null) {
      master.table.setWorkers(this.aliveView(), this.now)
      this.flush(master)
    }
    const fact = this.lastFact
    if (fact !== null) this.at(this.now + randomInt(this.rng, 5, 100), () => this.announce(node, fact))
  }

  private pause (node: SimNode, ms: number): void {
    this.fault(`${node.id} paused for ${ms} ms${node.id === this.master ? ' (master)' : ''}`)
    this.excuseLost(node, 'was cut off (paused)')
    node.pausedUntil = this.now + ms
    this.at(this.now + ms, () => {
      node.pausedUntil = null
      const backlog = node.backlog
      node.backlog = []
      for (const { from, msgs } of backlog) this.deliver(node, from, msgs)
    })
  }

  // ---- traffic

  private submitOne (i: number): void {
    const candidates = this.nodes.filter(n => !n.crashed && n.pausedUntil === null)
    const node = this.pick(candidates)
    if (node === undefined) return
    const task = spec(`t${i}`, { submitter: node.id, payload: { i }, retries: 3, backoffMs: 20, timeoutMs: 2000, priority: randomInt(this.rng, -2, 2) })
    if (this.cacheRng.next() < CACHED_RATE) {
      // Same payload, same key: a cached or shared answer must equal what the handler returns.
      const k = randomInt(this.cacheRng, 1, CACHED_PAYLOADS)
      task.payload = { k }
      task.cacheKey = `echo:${k}`
    }
    if (node.submitter.submit(task, this.now).ok) this.report.submitted.set(task.id, { submitter: node.id, incarnation: node.incarnation, spec: task, orphaned: false })
    this.flush(node)
  }

  private flush (node: SimNode): void {
    if (node.crashed) return
    const out: Array<{ to: NodeId, msg: TaskMessage }> = []
    const s = node.submitter.ready()
    node.submitter.advance()
    out.push(...s.messages)
    for (const settlement of s.settlements) {
      const list = this.report.settlements.get(settlement.id) ?? []
      list.push(settlement)
      this.report.settlements.set(settlement.id, list)
    }
    const w = node.worker.ready()
    node.worker.advance()
    out.push(...w.messages)
    for (const abort of w.aborts) {
      for (const ex of this.executionsOn(node)) {
        if (ex.id === abort.id && ex.end === null) {
          ex.end = this.now
          ex.outcome = 'aborted'
        }
      }
    }
    for (const start of w.starts) this.startExecution(node, start.spec, start.attempt, start.epoch)
    if (node.table !== null) {
      const t = node.table.ready()
      node.table.advance()
      out.push(...t.messages)
    }
    const byPeer = new Map<NodeId, TaskMessage[]>()
    for (const { to, msg } of out) {
      const list = byPeer.get(to) ?? []
      list.push(msg)
      byPeer.set(to, list)
    }
    for (const [to, msgs] of byPeer) this.send(node, to, msgs)
  }

  private send (from: SimNode, to: NodeId, msgs: TaskMessage[]): void {
    const frame = encodeTaskFrame(msgs)
    const link = `${from.id}>${to}`
    const delay = to === from.id ? 0 : randomInt(this.rng, 1, this.rng.next() < SLOW_RATE ? SLOW_DELAY_MS : MAX_DELAY_MS)
    const at = Math.max(this.now + delay, this.linkClock.get(link) ?? 0)
    this.linkClock.set(link, at)
    const senderIncarnation = from.incarnation
    const target = this.byId(to)
    const targetIncarnation = target.incarnation
    this.at(at, () => {
      // Streams are reliable or fail: a crash of either end loses what was in flight.
      if (from.crashed || from.incarnation !== senderIncarnation || target.incarnation !== targetIncarnation) return
      const decoded = decodeTaskFrame(frame)
      if (!decoded.ok) {
        this.report.violations.push(`frame from ${from.id} to ${to} failed to decode: ${decoded.reason}`)
        return
      }
      this.trace?.(`${this.now} ${from.id}->${to}${target.pausedUntil !== null ? ' (paused)' : ''} ${decoded.value.map(describe).join(' ')}`)
      this.deliver(target, from.id, decoded.value)
    })
  }

  private deliver (node: SimNode, from: NodeId, msgs: TaskMessage[]): void {
    if (node.crashed) return
    if (node.pausedUntil !== null) {
      node.backlog.push({ from, msgs })
      return
    }
    for (const msg of msgs) {
      if (msg.kind !== 'doneAck') continue
      for (const ex of this.executionsOn(node)) {
        if (!msg.ids.includes(ex.id) || ex.end === null || ex.ackedBy !== null) continue
        ex.ackedBy = from
        ex.ackedAt = this.now
      }
    }
    node.submitter.receive(from, msgs, this.now)
    node.worker.receive(from, msgs, this.now)
    for (const msg of msgs) if (msg.kind === 'assign' || msg.kind === 'abort' || msg.kind === 'sync') node.seenEpoch = Math.max(node.seenEpoch, msg.epoch)
    if (node.table !== null) node.table.receive(from, msgs, this.now)
    else {
      // What the adapter answers when it holds no table.
      const notMaster: TaskMessage[] = msgs.flatMap(m => m.kind === 'submit'
        ? m.tasks.map(t => ({ kind: 'rejected' as const, id: t.id, code: 'not-master' as const, reason: `${node.id} is not the master` }))
        : [])
      if (notMaster.length > 0) this.send(node, from, notMaster)
    }
    this.flush(node)
  }

  private startExecution (node: SimNode, task: TaskSpec, attempt: number, orderEpoch: Epoch): void {
    const running = this.executionsOn(node).filter(ex => ex.end === null)
    const used = running.reduce((sum, ex) => sum + (this.report.submitted.get(ex.id)?.spec.req.slots ?? 1), 0)
    if (used + task.req.slots > node.slots) {
      this.report.violations.push(`${this.now}: ${node.id} runs ${used + task.req.slots} slots of ${node.slots} (starting ${task.id})`)
    }
    const ex: Execution = {
      id: task.id, node: node.id, incarnation: node.incarnation, attempt, orderEpoch, start: this.now, end: null, outcome: null, ackedBy: null, ackedAt: null,
      // Excused only while the worker had not yet heard of the newer term: after that, fencing must refuse.
      excuse: orderEpoch < this.epoch && orderEpoch >= node.seenEpoch ? `ordered by a stale master (epoch ${orderEpoch} < ${this.epoch}) before ${node.id} heard of a newer one` : null
    }
    const list = this.report.executions.get(task.id) ?? []
    list.push(ex)
    this.report.executions.set(task.id, list)
    const fails = this.rng.next() < HANDLER_FAILURE_RATE
    // Mostly short handlers, some long enough to be running across a failover.
    const duration = this.rng.next() < LONG_HANDLER_RATE ? randomInt(this.rng, 200, 1500) : randomInt(this.rng, 5, 120)
    this.at(this.now + duration, () => this.complete(node, ex, task, fails))
  }

  private complete (node: SimNode, ex: Execution, task: TaskSpec, fails: boolean): void {
    if (ex.end !== null || node.incarnation !== ex.incarnation || node.crashed) return
    if (node.pausedUntil !== null) {
      this.at(node.pausedUntil + 1, () => this.complete(node, ex, task, fails))
      return
    }
    ex.end = this.now
    ex.outcome = fails ? 'error' : 'ok'
    const outcome: TaskOutcome = fails
      ? { ok: false, error: { code: 'handler-error', message: `injected failure of ${task.id}` } }
      : { ok: true, value: { echoed: task.payload } }
    node.worker.finished(task.id, outcome, this.now)
    this.flush(node)
  }

  private executionsOn (node: SimNode): Execution[] {
    const out: Execution[] = []
    for (const list of this.report.executions.values()) for (const ex of list) if (ex.node === node.id && ex.incarnation === node.incarnation) out.push(ex)
    return out
  }

  private byId (id: NodeId): SimNode {
    const node = this.nodes.find(n => n.id === id)
    if (node === undefined) throw new Error(`no node ${id}`)
    return node
  }

  private pick<T> (items: T[]): T {
    return items[Math.floor(this.rng.next() * items.length)] as T
  }
}

/** One message in a few words, for traces. */
function describe (m: TaskMessage): string {
  switch (m.kind) {
    case 'submit': return `submit[${m.tasks.map(t => t.id).join(',')}]`
    case 'assign': return `assign@${m.epoch}[${m.tasks.map(t => `${t.spec.id}#${t.attempt}`).join(',')}]`
    case 'accepted': case 'doneAck': return `${m.kind}[${m.ids.join(',')}]`
    case 'ack': return `ack@${m.epoch}[${m.ids.join(',')}]`
    case 'rejected': return `rejected[${m.id}:${m.code}]`
    case 'result': return `result[${m.id}:${m.ok ? 'ok' : m.error.code}]`
    case 'cancel': return `cancel[${m.id}]`
    case 'abort': return `abort@${m.epoch}[${m.id}]`
    case 'sync': return `sync@${m.epoch}`
    case 'refuse': return `refuse@${m.epoch}[${m.id}:${m.reason}]`
    case 'done': return `done@${m.epoch}[${m.id}#${m.attempt}:${m.ok ? 'ok' : m.error.code}]`
    case 'report': return `report@${m.epoch}[running:${m.running.map(r => r.spec.id).join(',')} finished:${m.finished.map(d => d.id).join(',')}${m.more ? ' more' : ''}]`
  }
}
