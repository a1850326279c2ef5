// The node's local HTTP API: status and tasks. Request bodies are checked against a schema
// and answered with a clear 4xx when wrong.
import { z } from 'zod'
import { HttpError, type HttpEndpoint } from '../observability/http.js'
import type { ClusterNode } from './cluster-node.js'
import { TaskError, type SubmitOptions } from './task-api.js'
import type { JsonValue } from '../core/tasks/types.js'
import { TASK_STATES, type TableSnapshot, type TaskState, type TaskSummary } from '../core/tasks/table-types.js'
import type { WorkerSnapshot } from '../core/tasks/worker.js'
import { lookUpTask } from './task-lookup.js'

/** `GET /tasks`: the master's table and task list (null elsewhere), and this node's worker state. */
export interface TasksAnswer {
  table: TableSnapshot | null
  worker: WorkerSnapshot
  /** The latest `limit` tasks (default 1000, at most 10,000) in submission order, in `state` if asked. */
  tasks: TaskSummary[] | null
}

const MAX_LIST_LIMIT = 10_000

const submitBody = z.object({
  type: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'type must be 1-64 characters of A-Z a-z 0-9 _ . : -'),
  payload: z.unknown().optional(),
  options: z.object({
    id: z.string().optional(),
    priority: z.number().int().optional(),
    resources: z.record(z.string(), z.number()).optional(),
    constraints: z.record(z.string(), z.string()).optional(),
    timeoutMs: z.number().int().optional(),
    retries: z.number().int().optional(),
    backoffMs: z.number().int().optional(),
    cache: z.boolean().optional(),
    cacheKey: z.string().optional(),
    cacheTtlMs: z.number().int().optional()
  }).strict().optional()
}).strict()

function parse<T> (schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body)
  if (r.success) return r.data
  const issues = r.error.issues.map(i => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')
  throw new HttpError(400, `invalid request: ${issues}`)
}

function stateQuery (value: string | null): TaskState | undefined {
  if (value === null) return undefined
  const state = TASK_STATES.find(s => s === value)
  if (state === undefined) throw new HttpError(400, `state must be one of ${TASK_STATES.join(', ')}; got "${value}"`)
  return state
}

function limitQuery (value: string | null): number | undefined {
  if (value === null) return undefined
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_LIST_LIMIT) throw new HttpError(400, `limit must be an integer from 1 to ${MAX_LIST_LIMIT}; got "${value}"`)
  return n
}

export function registerRoutes (http: HttpEndpoint, node: ClusterNode): void {
  http.route('GET', '/status', () => ({ json: node.status() }))

  http.route('POST', '/tasks', async (req) => {
    const body = parse(submitBody, req.body)
    const wait = req.query.get('wait') !== 'false'
    let pending
    try {
      pending = node.enqueue(body.type, (body.payload ?? null) as JsonValue, (body.options ?? {}) as SubmitOptions)
    } catch (err) {
      if (err instanceof TypeError) throw new HttpError(400, err.message)
      if (err instanceof TaskError) throw new HttpError(err.code === 'not-running' ? 503 : 429, `${err.code}: ${err.message}`)
      throw err
    }
    if (!wait) return { status: 202, json: { id: pending.id, state: 'submitted' } }
    const result = await pending.result
    return { json: { ...result, state: result.ok ? 'done' : 'failed' } }
  })

  // On a node that is not the master, the master's placement record is fetched and merged in.
  http.route('GET', '/tasks/:id', async (req) => {
    const r = await lookUpTask(node, req.params.id!)
    if (!r.found) throw new HttpError(404, r.reason)
    return { json: r.answer }
  })

  http.route('GET', '/tasks', (req) => {
    const filter = stateQuery(req.query.get('state'))
    const limit = limitQuery(req.query.get('limit'))
    const stats = node.taskStats()
    if (stats === undefined) throw new HttpError(503, 'the node is not running')
    const answer: TasksAnswer = { ...stats, tasks: node.listTasks(filter, limit) }
    return { json: answer }
  })
}
