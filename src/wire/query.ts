// Codec for the query protocol: one request and one response per stream, asked by `doctor`
// (a peer's clock) and by `tasks explain` on a node that is not the master (the master's record
// of a task). Decoding never throws: sizes, nesting, types, ranges and lengths are checked.
// Unknown fields are refused in requests and in the envelope of a response; inside a task's
// record they are dropped (a newer node may say more), so only checked fields reach an answer.
import { z } from 'zod'
import type { TaskView } from '../core/tasks/table-types.js'
import type { JsonValue } from '../core/tasks/types.js'
import { fail, isObject, ok, parseJsonBounded, preview, type DecodeResult } from './result.js'

export const QUERY_LIMITS = Object.freeze({
  /** A request is a kind and at most a task id. */
  requestBytes: 1024,
  /** Room for a task's record with a result of the default 1 MiB payload limit, twice (view and result). */
  responseBytes: 4 * 1024 * 1024,
  idChars: 128,
  /** Attempts kept per task by the master (maxAttemptHistory is 32) with room to spare. */
  attempts: 64,
  /** Candidates of one placement decision: one per node. */
  candidates: 1024,
  textChars: 4096,
  /** Results nest at most this deep (as on the task stream). */
  jsonDepth: 64
})

export type QueryRequest =
  | { kind: 'time' }
  | { kind: 'task', id: string }

/** The answering node's clocks when it answered: wall clock (epoch ms) and monotonic (ms since its start). */
export interface TimeAnswer { kind: 'time', wallMs: number, monoMs: number }

/** What the answering node knows of a task (its TaskDriver.task()), or found: false. */
export type TaskAnswer =
  | { kind: 'task', id: string, found: false }
  | {
    kind: 'task'
    id: string
    found: true
    view?: TaskView
    result?: SubmitterResult
    pending: boolean
    /** Result values were left out (as null) to keep the answer within the size limit. */
    valuesOmitted?: boolean
  }

/** The request was understood but could not be answered (e.g. the node is stopping). */
export interface QueryRefusal { kind: 'error', reason: string }

export type QueryResponse = TimeAnswer | TaskAnswer | QueryRefusal

const encoder = new TextEncoder()

export function encodeQueryRequest (req: QueryRequest): Uint8Array {
  return encoder.encode(JSON.stringify({ v: 1, ...req }))
}

/**
 * A task answer over the size limit (a large result value) goes without its result values; if
 * even that is too large, a refusal says so. The receiver's limit is never exceeded.
 */
export function encodeQueryResponse (res: QueryResponse): Uint8Array {
  const bytes = encoder.encode(JSON.stringify({ v: 1, ...res }))
  if (bytes.byteLength <= QUERY_LIMITS.responseBytes) return bytes
  if (res.kind === 'task' && res.found && res.valuesOmitted !== true) return encodeQueryResponse(withoutValues(res))
  return encodeQueryResponse({ kind: 'error', reason: `the answer is ${bytes.byteLength} bytes, over the limit of ${QUERY_LIMITS.responseBytes}` })
}

function withoutValues (res: Extract<TaskAnswer, { found: true }>): TaskAnswer {
  const viewResult = res.view?.result
  return {
    ...res,
    ...(res.view != null ? { view: { ...res.view, result: viewResult?.ok === true ? { ...viewResult, value: null } : viewResult ?? null } } : {}),
    ...(res.result != null ? { result: { ...res.result, ...(res.result.value !== undefined ? { value: null } : {}) } } : {}),
    valuesOmitted: true
  }
}

export function decodeQueryRequest (bytes: Uint8Array): DecodeResult<QueryRequest> {
  return decodeWith(bytes, QUERY_LIMITS.requestBytes, requestSchema)
}

export function decodeQueryResponse (bytes: Uint8Array): DecodeResult<QueryResponse> {
  return decodeWith(bytes, QUERY_LIMITS.responseBytes, responseSchema)
}

/** A result value's own nesting plus the levels of the message around it. */
const MAX_NESTING = QUERY_LIMITS.jsonDepth + 8

function decodeWith<T> (bytes: Uint8Array, maxBytes: number, schema: z.ZodType<T>): DecodeResult<T> {
  // Nesting is refused before parsing: the schema recurses, hostile nesting must not reach it.
  const parsed = parseJsonBounded(bytes, maxBytes, MAX_NESTING)
  if (!parsed.ok) return parsed
  const m = parsed.value
  if (!isObject(m)) return fail(`message: must be a JSON object, got ${preview(m)}`)
  if (m.v !== 1) return fail(`v: unsupported protocol version ${preview(m.v)}, expected 1`)
  const { v: _v, ...body } = m
  const r = schema.safeParse(body)
  if (r.success) return ok(r.data)
  const issue = r.error.issues[0]
  const where = issue === undefined || issue.path.length === 0 ? 'message' : issue.path.join('.')
  return fail(`${where}: ${issue?.message ?? 'invalid'}`)
}

const text = (max: number = QUERY_LIMITS.textChars): z.ZodString => z.string().max(max)
const nodeId = z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'a node id is 1-128 characters of [A-Za-z0-9]')
// Task ids as on the task stream: 1-128 characters, no control characters.
const taskId = z.string().min(1).max(QUERY_LIMITS.idChars).regex(/^\P{Cc}*$/u, 'a task id has no control characters')
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
// Monotonic instants of the answering node (may be any finite number) and durations.
const instant = z.number()
const duration = z.number().min(0)
// The whole message was depth-checked and size-limited; a value is whatever JSON the handler returned.
const jsonValue = z.custom<JsonValue>(v => v !== undefined, 'a JSON value is required')
const failure = z.object({ code: text(64), message: text() })

const candidate = z.object({
  nodeId,
  score: z.number().optional(),
  ruledOut: text().optional(),
  preference: z.enum(['preferred', 'avoided']).optional(),
  preferReason: text(256).optional()
})

const decision = z.object({
  taskId,
  nodeId,
  score: z.number(),
  candidates: z.array(candidate).max(QUERY_LIMITS.candidates),
  policy: text(128)
})

const attempt = z.object({
  attempt: count,
  node: nodeId,
  epoch: count,
  placedAt: instant.nullable(),
  startedAt: instant.nullable(),
  endedAt: instant.nullable(),
  outcome: z.enum(['ok', 'error', 'timeout', 'worker-lost', 'refused', 'cancelled', 'overtaken']).nullable(),
  detail: text().nullable(),
  decision: decision.nullable()
})

const resultHead = { kind: z.literal('result'), id: taskId, attempts: count, node: nodeId.nullable(), durationMs: duration, cached: z.literal(true).optional() }
const resultMessage = z.union([
  z.object({ ...resultHead, ok: z.literal(true), value: jsonValue }),
  z.object({ ...resultHead, ok: z.literal(false), error: failure })
])

const view: z.ZodType<TaskView> = z.object({
  id: taskId,
  state: z.enum(['queued', 'placed', 'running', 'done', 'failed', 'cancelled']),
  type: text(64).nullable(),
  priority: z.number().int().min(-1000).max(1000).nullable(),
  submitter: nodeId,
  submittedAt: instant,
  attempts: z.array(attempt).max(QUERY_LIMITS.attempts),
  notBefore: instant.nullable(),
  deferReason: text().nullable(),
  result: resultMessage.nullable()
})

const submitterResult = z.object({
  id: z.string().max(QUERY_LIMITS.idChars),
  ok: z.boolean(),
  value: jsonValue.optional(),
  error: failure.optional(),
  attempts: count,
  node: nodeId.nullable(),
  durationMs: duration,
  cached: z.boolean().optional()
})

/** A submitter's final word on a task, as TaskDriver keeps it (the node's TaskResult). */
export type SubmitterResult = z.infer<typeof submitterResult>

const requestSchema: z.ZodType<QueryRequest> = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('time') }),
  z.strictObject({ kind: z.literal('task'), id: taskId })
])

const responseSchema: z.ZodType<QueryResponse> = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('time'), wallMs: z.number(), monoMs: z.number() }),
  z.discriminatedUnion('found', [
    z.strictObject({ kind: z.literal('task'), id: taskId, found: z.literal(false) }),
    z.strictObject({
      kind: z.literal('task'),
      id: taskId,
      found: z.literal(true),
      view: view.optional(),
      result: submitterResult.optional(),
      pending: z.boolean(),
      valuesOmitted: z.boolean().optional()
    })
  ]),
  z.strictObject({ kind: z.literal('error'), reason: text() })
])
