// The client: a steady rate of tasks through the nodes' HTTP endpoints (open loop: the rate does
// not slow down when the cluster does), each submit and each outcome written to its own history.
// Every task carries a client-made id, the same one the nodes record, so the checker can follow it.
import { randomInt } from '../../core/random.js'
import type { Rng } from '../../core/types.js'
import type { ClientEvent } from './events.js'
import type { JsonlLog } from './jsonl.js'
import { sleep } from './sleep.js'

export interface TaskRequest {
  type: string
  payload?: unknown
  /** Submit options as POST /tasks takes them (priority, timeoutMs, retries, ...); the id is set by the client. */
  options?: Record<string, unknown>
}

/** The n-th task of a run; draw any randomness from `rng` so that a seed replays the same load. */
export type Workload = (n: number, rng: Rng) => TaskRequest

/** Mostly short sleeps (so that some are running whenever a fault hits), some echoes. */
export const defaultWorkload: Workload = (n, rng) => rng.next() < 0.7
  ? { type: 'sleep', payload: { ms: randomInt(rng, 20, 120) } }
  : { type: 'echo', payload: { n } }

/** A node to submit through: its endpoint, its peer id, and whether it has died since. */
export interface Entry {
  http: string
  token?: string
  id: string
  diedSince: () => boolean
}

export interface LoadOptions {
  rate: number
  workload: Workload
  rng: Rng
  /** Task ids are `${idPrefix}-${n}`. */
  idPrefix: string
  log: JsonlLog
  pickEntry: () => Entry | undefined
  /** Requests open at once before the client skips beats (default 5000). */
  maxInFlight?: number
}

/** Sends of one task through its node when the node says it never got it. */
const MAX_SENDS = 3

type WithoutHeader<E> = E extends unknown ? Omit<E, 't' | 'node' | 'id'> : never
type Outcome = WithoutHeader<Extract<ClientEvent, { type: 'result' | 'request-error' }>>

export class LoadClient {
  submitted = 0
  done = 0
  failed = 0
  /** Beats skipped because no node could take a task or too many were open. */
  skipped = 0
  private readonly open = new Set<Promise<void>>()
  /** One per open request (fetch keeps its abort listener until GC: a shared signal would pile them up). */
  private readonly controllers = new Set<AbortController>()
  private stopped = false
  private abandoned = false
  private timer?: NodeJS.Timeout
  private issued = 0
  private startedAt = 0

  constructor (private readonly o: LoadOptions) {}

  get inFlight (): number { return this.open.size }

  start (): void {
    this.startedAt = Date.now()
    this.timer = setInterval(() => { this.beat() }, 10)
  }

  stopIssuing (): void {
    clearInterval(this.timer)
  }

  /**
   * Wait up to `timeoutMs` for the open requests, then give up on the rest: they are recorded as
   * still open (lost, unless their node died), or as abandoned when the run was interrupted.
   */
  async drain (timeoutMs: number, interrupted: boolean, signal?: AbortSignal): Promise<void> {
    this.stopIssuing()
    const deadline = Date.now() + timeoutMs
    while (this.open.size > 0 && Date.now() < deadline && signal?.aborted !== true) await sleep(100, signal)
    this.abandoned = interrupted || signal?.aborted === true
    this.stopped = true
    for (const c of this.controllers) c.abort()
    await Promise.all([...this.open])
  }

  private beat (): void {
    const due = Math.floor((Date.now() - this.startedAt) * this.o.rate / 1000)
    while (this.issued < due) {
      if (this.open.size >= (this.o.maxInFlight ?? 5000)) {
        this.skipped += due - this.issued
        this.issued = due
        return
      }
      const entry = this.o.pickEntry()
      if (entry === undefined) {
        this.skipped++
        this.issued++
        continue
      }
      const p = this.one(this.issued++, entry).finally(() => { this.open.delete(p) })
      this.open.add(p)
    }
  }

  private async one (n: number, entry: Entry): Promise<void> {
    const id = `${this.o.idPrefix}-${n}`
    const req = this.o.workload(n, this.o.rng)
    const body = { type: req.type, payload: req.payload ?? null, options: { ...req.options, id } }
    this.submitted++
    this.o.log.write({ t: Date.now(), node: 'client', type: 'submit', id, via: entry.id })
    const stop = new AbortController()
    this.controllers.add(stop)
    if (this.stopped) stop.abort()
    let outcome: Outcome | undefined
    try {
      for (let sends = 1; outcome === undefined; sends++) outcome = await this.send(entry, id, body, stop.signal, sends < MAX_SENDS)
    } finally {
      this.controllers.delete(stop)
    }
    this.record(id, outcome)
  }

  /** One POST and its outcome; undefined when the node never got it and it may go again. */
  private async send (entry: Entry, id: string, body: unknown, stop: AbortSignal, mayResend: boolean): Promise<Outcome | undefined> {
    try {
      return await answer(await this.request(entry, 'POST', '/tasks', body, stop))
    } catch (err) {
      if (stop.aborted) return this.gaveUp('still open when the run ended')
      if (isRefused(err)) return { type: 'request-error', reason: describe(err), unreachable: true }
      const found = await this.recover(entry, id, describe(err), stop)
      if (found !== 'never-got-it') return found
      // Typically a kept-alive connection that the node closed as the request went out.
      return mayResend ? undefined : { type: 'request-error', reason: `${describe(err)}; the node never got it, ${MAX_SENDS} times`, status: 404 }
    }
  }

  /** The connection dropped. A node that still lives still owes the result: ask it for it. */
  private async recover (entry: Entry, id: string, reason: string, stop: AbortSignal): Promise<Outcome | 'never-got-it'> {
    for (;;) {
      if (entry.diedSince()) return { type: 'request-error', reason: `${reason} (its node died)` }
      await sleep(500, stop)
      if (stop.aborted) return this.gaveUp(`${reason}; still open when the run ended`)
      try {
        const res = await this.request(entry, 'GET', `/tasks/${encodeURIComponent(id)}`, undefined, AbortSignal.any([stop, AbortSignal.timeout(2000)]))
        if (res.status === 404) return 'never-got-it'
        const body = await res.json() as { result?: { ok: boolean, attempts: number, error?: { code: string } } }
        if (body.result != null) return { type: 'result', ok: body.result.ok, attempts: body.result.attempts, ...(body.result.error != null ? { code: body.result.error.code } : {}) }
      } catch { /* not answering (paused, restarting): ask again */ }
    }
  }

  private gaveUp (reason: string): Outcome {
    return this.abandoned ? { type: 'request-error', reason: 'abandoned: the run was interrupted', abandoned: true } : { type: 'request-error', reason }
  }

  private record (id: string, outcome: Outcome): void {
    if (outcome.type === 'result') {
      if (outcome.ok) this.done++
      else this.failed++
    }
    this.o.log.write({ t: Date.now(), node: 'client', id, ...outcome })
  }

  private async request (entry: Entry, method: string, path: string, body: unknown, signal: AbortSignal): Promise<Response> {
    return await fetch(`http://${entry.http}${path}`, {
      method,
      signal,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(entry.token != null ? { authorization: `Bearer ${entry.token}` } : {})
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
  }
}

async function answer (res: Response): Promise<Outcome> {
  const body = await res.json().catch(() => ({})) as { ok?: boolean, attempts?: number, error?: { code?: string } | string }
  if (!res.ok) return { type: 'request-error', reason: typeof body.error === 'string' ? body.error : `HTTP ${res.status}`, status: res.status }
  const code = typeof body.error === 'object' ? body.error.code : undefined
  return { type: 'result', ok: body.ok === true, attempts: body.attempts ?? 0, ...(code !== undefined ? { code } : {}) }
}

function isRefused (err: unknown): boolean {
  return (err as { cause?: { code?: string } } | undefined)?.cause?.code === 'ECONNREFUSED'
}

function describe (err: unknown): string {
  const e = err as { message?: string, cause?: { code?: string, message?: string } } | undefined
  return [e?.message, e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ') || String(err)
}
