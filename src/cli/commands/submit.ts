// `mcp-cluster submit`: one task and its result, or `--count N` tasks and a throughput summary.
import { Command, InvalidArgumentError } from 'commander'
import { addEndpointFlags, endpointFrom, requestJson, type EndpointOptions } from '../http-client.js'
import { formatBatchProgress, formatBatchSummary, formatResultLine } from '../format.js'
import type { JsonValue, SubmitOptions, TaskResult } from '../../node/task-api.js'

/** What `POST /tasks` answers once the task has settled. */
export type SubmitAnswer = TaskResult & { state: 'done' | 'failed' }

/** A batch in flight, for the progress line. */
export interface BatchProgress {
  total: number
  started: number
  done: number
  failed: number
  elapsedMs: number
}

export interface BatchSummary {
  tasks: number
  done: number
  failed: number
  /** Failures per error code, with the first message seen for each. */
  failures: Record<string, { count: number, example: string }>
  elapsedMs: number
  tasksPerSecond: number
  /** Per request, measured by this client from sending it to the settled answer. */
  latencyMs: { median: number, p99: number, max: number }
}

interface SubmitFlags {
  payload?: JsonValue
  count?: number
  concurrency: number
  priority?: number
  timeoutMs?: number
  retries?: number
  constraint: Record<string, string>
  cache?: boolean
  cacheKey?: string
  cacheTtl?: number
  http?: string
  httpToken?: string
  json?: boolean
}

interface SubmitBody { type: string, payload: JsonValue, options: SubmitOptions }

// The node answers only once the task has settled, and it settles every task it accepted
// within the task's own limits: the client sets no deadline of its own (this is the longest
// timer Node allows). Ctrl-C stops waiting.
const NO_CLIENT_DEADLINE_MS = 2 ** 31 - 1
const PROGRESS_EVERY_MS = 500
/** Failures of the HTTP request itself (refused, queue full at the node, unreachable), not of a task. */
const REQUEST_ERROR = 'request-error'

export function submitCommand (): Command {
  return addEndpointFlags(new Command('submit'))
    .description('submit a task through a running node and print its result (or, with --count, a throughput summary)')
    .argument('<type>', 'task type, e.g. echo, sleep, sha256')
    .option('--payload <json>', 'the task\'s payload as JSON, e.g. \'{"ms": 100}\' (default null)', parsePayload)
    .option('--count <n>', 'submit n tasks and print a summary instead of the result', intFlag(1, 1_000_000_000))
    .option('--concurrency <k>', 'with --count: at most k tasks in flight', intFlag(1, 10_000), 64)
    .option('--priority <p>', 'higher runs first, from -1000 to 1000 (default 0)', intFlag(-1000, 1000))
    .option('--timeout-ms <t>', 'one attempt\'s time limit on the worker (default 30000)', intFlag(1, 2 ** 31 - 1))
    .option('--retries <r>', 'extra attempts after a handler error or time-out, 0 to 100 (default 0)', intFlag(0, 100))
    .option('--constraint <key=value>', 'a label the worker must carry; repeat for several', addConstraint, {})
    .option('--cache', 'the task is deterministic: serve its result from a cache, keyed by type and payload')
    .option('--cache-key <key>', 'cache under this key (1-128 characters) instead of the payload\'s hash; implies --cache')
    .option('--cache-ttl <ms>', 'how long a cached result may be served, from when it was produced (default: until evicted)', intFlag(1, 365 * 24 * 60 * 60_000))
    .option('--json', 'print the result (or the summary) as JSON')
    .action(async (type: string, flags: SubmitFlags) => {
      const ep = endpointFrom(flags)
      const body = submitBody(type, flags)
      const ok = flags.count === undefined
        ? await submitOnce(ep, body, flags.json === true)
        : await submitBatch(ep, body, flags.count, flags.concurrency, flags.json === true)
      if (!ok) process.exitCode = 1
    })
}

function submitBody (type: string, f: SubmitFlags): SubmitBody {
  const options: SubmitOptions = {}
  if (f.priority !== undefined) options.priority = f.priority
  if (f.timeoutMs !== undefined) options.timeoutMs = f.timeoutMs
  if (f.retries !== undefined) options.retries = f.retries
  if (Object.keys(f.constraint).length > 0) options.constraints = f.constraint
  if (f.cache === true) options.cache = true
  if (f.cacheKey !== undefined) options.cacheKey = f.cacheKey
  if (f.cacheTtl !== undefined) {
    if (f.cache !== true && f.cacheKey === undefined) throw new InvalidArgumentError('--cache-ttl needs --cache or --cache-key')
    options.cacheTtlMs = f.cacheTtl
  }
  return { type, payload: f.payload ?? null, options }
}

async function post (ep: EndpointOptions, body: SubmitBody): Promise<SubmitAnswer> {
  return await requestJson<SubmitAnswer>(ep, 'POST', '/tasks', body, NO_CLIENT_DEADLINE_MS)
}

/** The value on stdout and a one-line account on stderr; true if the task succeeded. */
async function submitOnce (ep: EndpointOptions, body: SubmitBody, json: boolean): Promise<boolean> {
  const answer = await post(ep, body)
  if (json) {
    process.stdout.write(JSON.stringify(answer, null, 2) + '\n')
  } else {
    if (answer.ok) process.stdout.write(JSON.stringify(answer.value ?? null) + '\n')
    process.stderr.write(formatResultLine(answer) + (answer.cached === true ? ' (served from cache)' : '') + '\n')
  }
  return answer.ok
}

/** Runs the batch with a progress line on stderr and the summary on stdout; true if every task succeeded. */
async function submitBatch (ep: EndpointOptions, body: SubmitBody, count: number, concurrency: number, json: boolean): Promise<boolean> {
  const tty = process.stderr.isTTY
  const batch = new Batch(count)
  // On a terminal the line is redrawn in place; in a log only the final one is written.
  const ticker = tty ? setInterval(() => { process.stderr.write(`\r${formatBatchProgress(batch.progress())}\x1b[K`) }, PROGRESS_EVERY_MS) : undefined
  try {
    await batch.run(ep, body, concurrency)
  } finally {
    clearInterval(ticker)
  }
  process.stderr.write(`${tty ? '\r' : ''}${formatBatchProgress(batch.progress())}${tty ? '\x1b[K' : ''}\n`)
  const summary = batch.summary()
  process.stdout.write((json ? JSON.stringify(summary, null, 2) : formatBatchSummary(summary)) + '\n')
  return summary.done === summary.tasks
}

/** N submissions of the same body, K at a time, each timed from request to settled answer. */
class Batch {
  private started = 0
  private done = 0
  private failed = 0
  private readonly failures = new Map<string, { count: number, example: string }>()
  private readonly latencies: number[] = []
  private readonly startedAt = performance.now()
  private finishedAt: number | null = null

  constructor (private readonly total: number) {}

  async run (ep: EndpointOptions, body: SubmitBody, concurrency: number): Promise<void> {
    const lane = async (): Promise<void> => {
      while (this.started < this.total) {
        this.started++
        const t0 = performance.now()
        const error = await post(ep, body).then(
          (a) => a.ok ? null : a.error ?? { code: 'unknown', message: 'the node reported a failure without an error' },
          (err: unknown) => ({ code: REQUEST_ERROR, message: err instanceof Error ? err.message : String(err) })
        )
        this.latencies.push(performance.now() - t0)
        if (error === null) this.done++
        else this.fail(error.code, error.message)
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, this.total) }, lane))
    this.finishedAt = performance.now()
  }

  progress (): BatchProgress {
    return { total: this.total, started: this.started, done: this.done, failed: this.failed, elapsedMs: this.elapsed() }
  }

  summary (): BatchSummary {
    const sorted = Float64Array.from(this.latencies).sort()
    const elapsedMs = this.elapsed()
    const finished = this.done + this.failed
    return {
      tasks: this.total,
      done: this.done,
      failed: this.failed,
      failures: Object.fromEntries(this.failures),
      elapsedMs: round1(elapsedMs),
      tasksPerSecond: round1(elapsedMs > 0 ? finished / (elapsedMs / 1000) : 0),
      latencyMs: { median: round1(percentile(sorted, 0.5)), p99: round1(percentile(sorted, 0.99)), max: round1(sorted.at(-1) ?? 0) }
    }
  }

  private fail (code: string, message: string): void {
    this.failed++
    const f = this.failures.get(code)
    if (f === undefined) this.failures.set(code, { count: 1, example: message })
    else f.count++
  }

  private elapsed (): number {
    return (this.finishedAt ?? performance.now()) - this.startedAt
  }
}

/** Nearest-rank percentile of ascending values; 0 when there are none. */
function percentile (sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

function round1 (x: number): number {
  return Math.round(x * 10) / 10
}

function parsePayload (text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    throw new InvalidArgumentError(`--payload must be valid JSON (${why}); quote it for the shell, e.g. --payload '{"ms": 100}' or --payload '"text"'`)
  }
}

function intFlag (min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text)
    if (!/^-?\d+$/.test(text.trim()) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`)
    return n
  }
}

function addConstraint (text: string, previous: Record<string, string>): Record<string, string> {
  const eq = text.indexOf('=')
  if (eq < 1) throw new InvalidArgumentError('must be key=value, e.g. --constraint gpu=true')
  return { ...previous, [text.slice(0, eq)]: text.slice(eq + 1) }
}
