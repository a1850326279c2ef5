// The task stream codec: a frame is { v: 1, kind: 'batch', msgs: TaskMessage[] } as JSON.
// Decoding never throws: everything a peer sends is checked (types, ranges, lengths, nesting)
// and rebuilt into fresh objects, so unknown fields never reach the state machines.
import type { Epoch, NodeId } from '../core/types.js'
import type { TaskRequirements } from '../core/scheduler/types.js'
import {
  REJECT_CODES, type AttemptOrder, type DoneMessage, type RefuseMessage, type RejectCode, type ReportMessage, type ResultMessage,
  type RunningEntry, type TaskMessage
} from '../core/tasks/messages.js'
import { jsonBytes } from '../core/tasks/size.js'
import type { JsonValue, TaskFailure, TaskOutcome, TaskSpec } from '../core/tasks/types.js'
import { fail, ok, parseJsonBounded, preview, type DecodeResult } from './result.js'

export const TASK_PROTOCOL_VERSION = 1
export const MAX_TASK_FRAME_BYTES = 4 * 1024 * 1024
export const MAX_MESSAGES_PER_FRAME = 4096
/** Tasks, ids, running entries or results in one message. */
export const MAX_ITEMS_PER_MESSAGE = 4096
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024
export const MAX_ID_LENGTH = 128
export const MAX_TYPE_LENGTH = 64
export const MAX_PRIORITY = 1000
export const MAX_RETRIES = 100
/** setTimeout's limit: a longer timeout could not be enforced by the worker. */
export const MAX_TIMEOUT_MS = 2_147_483_647
export const MAX_BACKOFF_MS = 24 * 60 * 60_000
/** Payloads and results nest at most this deep (keeps every later walk of them shallow). */
export const MAX_JSON_DEPTH = 64
export const MAX_CACHE_KEY_LENGTH = 128
/** A year: a longer-lived cache entry is a configuration mistake, not a cache. */
export const MAX_CACHE_TTL_MS = 365 * 24 * 60 * 60_000
const MAX_REASON_LENGTH = 1024
const MAX_ERROR_MESSAGE_LENGTH = 4096
const MAX_SLOTS = 100_000
const MAX_CPUS = 1_000_000
const MAX_MAP_ENTRIES = 32

const TYPE_PATTERN = /^[A-Za-z0-9_.:-]+$/
const NODE_ID_PATTERN = /^[A-Za-z0-9]+$/
const KEY_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/
const ERROR_CODE_PATTERN = /^[a-z0-9-]{1,64}$/
const CONTROL_CHARS = /\p{Cc}/u

export interface TaskDecodeOptions {
  /** Largest payload or result value, as UTF-8 bytes of its JSON (default 1 MiB). */
  maxPayloadBytes?: number
}

export function encodeTaskFrame (msgs: readonly TaskMessage[]): Uint8Array {
  return encoder.encode(JSON.stringify({ v: TASK_PROTOCOL_VERSION, kind: 'batch', msgs }))
}

/**
 * Packs messages, in order, into as few frames as fit within maxBytes and MAX_MESSAGES_PER_FRAME
 * each (the decoder rejects a frame with more, losing all of it). A message too large
 * for any frame on its own is returned in `oversized` instead (the state machines size their
 * messages so that this does not happen).
 */
export function packTaskFrames (msgs: readonly TaskMessage[], maxBytes = MAX_TASK_FRAME_BYTES): { frames: Uint8Array[], oversized: TaskMessage[] } {
  // The usual batch fits one frame: one stringify and one encode instead of one per message.
  if (msgs.length <= MAX_MESSAGES_PER_FRAME) {
    const whole = encodeTaskFrame(msgs)
    if (whole.byteLength <= maxBytes) return { frames: msgs.length === 0 ? [] : [whole], oversized: [] }
  }
  const head = encoder.encode(`{"v":${TASK_PROTOCOL_VERSION},"kind":"batch","msgs":[`)
  const tail = encoder.encode(']}')
  const frames: Uint8Array[] = []
  const oversized: TaskMessage[] = []
  let parts: Uint8Array[] = []
  let size = head.length + tail.length
  const flush = (): void => {
    if (parts.length === 0) return
    const frame = new Uint8Array(size)
    frame.set(head, 0)
    let at = head.length
    parts.forEach((part, i) => {
      if (i > 0) frame[at++] = COMMA
      frame.set(part, at)
      at += part.length
    })
    frame.set(tail, at)
    frames.push(frame)
    parts = []
    size = head.length + tail.length
  }
  for (const msg of msgs) {
    const bytes = encoder.encode(JSON.stringify(msg))
    if (head.length + tail.length + bytes.length > maxBytes) {
      oversized.push(msg)
      continue
    }
    if (size + bytes.length + 1 > maxBytes || parts.length >= MAX_MESSAGES_PER_FRAME) flush()
    size += bytes.length + (parts.length > 0 ? 1 : 0)
    parts.push(bytes)
  }
  flush()
  return { frames, oversized }
}

export function decodeTaskFrame (bytes: Uint8Array, opts: TaskDecodeOptions = {}): DecodeResult<TaskMessage[]> {
  const parsed = parseJsonBounded(bytes, MAX_TASK_FRAME_BYTES)
  if (!parsed.ok) return parsed
  try {
    return ok(frame(parsed.value, opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES))
  } catch (err) {
    if (err instanceof Invalid) return fail(err.message)
    return fail(`malformed task frame: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/**
 * Why the master would refuse this spec on receipt, or null. A submitter checks before sending:
 * one bad task would make the master drop the whole frame, with every task batched beside it.
 */
export function taskSpecProblem (spec: TaskSpec, maxPayloadBytes: number): string | null {
  try {
    taskSpec(spec, 'task', maxPayloadBytes)
    return null
  } catch (err) {
    if (err instanceof Invalid) return err.message
    throw err
  }
}

const encoder = new TextEncoder()
const COMMA = 0x2c

/** Thrown inside the validators only; decodeTaskFrame turns it into a failed result. */
class Invalid extends Error {}

/** A peer's value as quoted in a reason: short whatever it sent (reasons end up in logs). */
function shown (value: unknown): string {
  return value === undefined ? 'undefined' : preview(value)
}

function frame (value: unknown, maxPayload: number): TaskMessage[] {
  const o = record(value, 'frame')
  if (o.v !== TASK_PROTOCOL_VERSION) throw new Invalid(`unsupported task protocol version ${shown(o.v)}, expected ${TASK_PROTOCOL_VERSION}`)
  if (o.kind !== 'batch') throw new Invalid(`unknown frame kind ${shown(o.kind)}, expected "batch"`)
  return list(o.msgs, 'msgs', MAX_MESSAGES_PER_FRAME).map((m, i) => message(m, `msgs[${i}]`, maxPayload))
}

function message (value: unknown, path: string, maxPayload: number): TaskMessage {
  const o = record(value, path)
  switch (o.kind) {
    case 'submit': return { kind: 'submit', tasks: list(o.tasks, `${path}.tasks`, MAX_ITEMS_PER_MESSAGE).map((t, i) => taskSpec(t, `${path}.tasks[${i}]`, maxPayload)) }
    case 'cancel': return { kind: 'cancel', id: taskId(o.id, `${path}.id`) }
    case 'accepted': return { kind: 'accepted', ids: ids(o.ids, `${path}.ids`) }
    case 'rejected': return { kind: 'rejected', id: taskId(o.id, `${path}.id`), code: rejectCode(o.code, `${path}.code`), reason: text(o.reason, `${path}.reason`, MAX_REASON_LENGTH) }
    case 'result': return result(o, path, maxPayload)
    case 'assign': return { kind: 'assign', epoch: epoch(o.epoch, `${path}.epoch`), tasks: list(o.tasks, `${path}.tasks`, MAX_ITEMS_PER_MESSAGE).map((t, i) => attemptOrder(t, `${path}.tasks[${i}]`, maxPayload)) }
    case 'abort': return { kind: 'abort', epoch: epoch(o.epoch, `${path}.epoch`), id: taskId(o.id, `${path}.id`) }
    case 'sync': return { kind: 'sync', epoch: epoch(o.epoch, `${path}.epoch`) }
    case 'doneAck': return { kind: 'doneAck', ids: ids(o.ids, `${path}.ids`) }
    case 'ack': return { kind: 'ack', epoch: epoch(o.epoch, `${path}.epoch`), ids: ids(o.ids, `${path}.ids`) }
    case 'refuse': return refuse(o, path)
    case 'done': return done(o, path, maxPayload)
    case 'report': return report(o, path, maxPayload)
    default: throw new Invalid(`${path}.kind: unknown message kind ${shown(o.kind)}`)
  }
}

function refuse (o: Record<string, unknown>, path: string): RefuseMessage {
  const msg: RefuseMessage = { kind: 'refuse', epoch: epoch(o.epoch, `${path}.epoch`), id: taskId(o.id, `${path}.id`), reason: text(o.reason, `${path}.reason`, MAX_REASON_LENGTH) }
  if (o.fenced !== undefined && boolean(o.fenced, `${path}.fenced`)) msg.fenced = true
  return msg
}

function taskSpec (value: unknown, path: string, maxPayload: number): TaskSpec {
  const o = record(value, path)
  const spec: TaskSpec = {
    id: taskId(o.id, `${path}.id`),
    type: taskType(o.type, `${path}.type`),
    payload: payload(o.payload, `${path}.payload`, maxPayload),
    priority: integer(o.priority, `${path}.priority`, -MAX_PRIORITY, MAX_PRIORITY),
    req: requirements(o.req, `${path}.req`),
    timeoutMs: integer(o.timeoutMs, `${path}.timeoutMs`, 1, MAX_TIMEOUT_MS),
    retries: integer(o.retries, `${path}.retries`, 0, MAX_RETRIES),
    backoffMs: integer(o.backoffMs, `${path}.backoffMs`, 0, MAX_BACKOFF_MS),
    submitter: nodeId(o.submitter, `${path}.submitter`)
  }
  if (o.cacheKey !== undefined) spec.cacheKey = cacheKey(o.cacheKey, `${path}.cacheKey`)
  if (o.cacheTtlMs !== undefined) {
    if (spec.cacheKey === undefined) throw new Invalid(`${path}.cacheTtlMs: only allowed with a cacheKey`)
    spec.cacheTtlMs = integer(o.cacheTtlMs, `${path}.cacheTtlMs`, 1, MAX_CACHE_TTL_MS)
  }
  return spec
}

function requirements (value: unknown, path: string): TaskRequirements {
  const o = record(value, path)
  return {
    slots: integer(o.slots, `${path}.slots`, 1, MAX_SLOTS),
    cpus: finite(o.cpus, `${path}.cpus`, 0, MAX_CPUS),
    memoryBytes: integer(o.memoryBytes, `${path}.memoryBytes`, 0, Number.MAX_SAFE_INTEGER),
    resources: map(o.resources, `${path}.resources`, (v, p) => finite(v, p, 0, Number.MAX_SAFE_INTEGER)),
    constraints: map(o.constraints, `${path}.constraints`, (v, p) => text(v, p, 256))
  }
}

function attemptOrder (value: unknown, path: string, maxPayload: number): AttemptOrder {
  const o = record(value, path)
  return { spec: taskSpec(o.spec, `${path}.spec`, maxPayload), attempt: attempt(o.attempt, `${path}.attempt`) }
}

function runningEntry (value: unknown, path: string, maxPayload: number): RunningEntry {
  const o = record(value, path)
  return {
    spec: taskSpec(o.spec, `${path}.spec`, maxPayload),
    attempt: attempt(o.attempt, `${path}.attempt`),
    epoch: epoch(o.epoch, `${path}.epoch`),
    elapsedMs: finite(o.elapsedMs, `${path}.elapsedMs`, 0, Number.MAX_SAFE_INTEGER)
  }
}

function result (o: Record<string, unknown>, path: string, maxPayload: number): ResultMessage {
  const msg: ResultMessage = {
    kind: 'result',
    id: taskId(o.id, `${path}.id`),
    attempts: integer(o.attempts, `${path}.attempts`, 0, Number.MAX_SAFE_INTEGER),
    node: o.node === null ? null : nodeId(o.node, `${path}.node`),
    durationMs: finite(o.durationMs, `${path}.durationMs`, 0, Number.MAX_SAFE_INTEGER),
    ...outcome(o, path, maxPayload)
  }
  if (o.cached !== undefined && boolean(o.cached, `${path}.cached`)) msg.cached = true
  return msg
}

function done (o: Record<string, unknown>, path: string, maxPayload: number): DoneMessage {
  const msg: DoneMessage = {
    kind: 'done',
    epoch: epoch(o.epoch, `${path}.epoch`),
    id: taskId(o.id, `${path}.id`),
    attempt: attempt(o.attempt, `${path}.attempt`),
    submitter: nodeId(o.submitter, `${path}.submitter`),
    durationMs: finite(o.durationMs, `${path}.durationMs`, 0, Number.MAX_SAFE_INTEGER),
    timedOut: boolean(o.timedOut, `${path}.timedOut`),
    ...outcome(o, path, maxPayload)
  }
  if (o.cached !== undefined && boolean(o.cached, `${path}.cached`)) msg.cached = true
  if (o.cacheHeld !== undefined && boolean(o.cacheHeld, `${path}.cacheHeld`)) msg.cacheHeld = true
  if (o.cacheEvicted !== undefined) msg.cacheEvicted = list(o.cacheEvicted, `${path}.cacheEvicted`, MAX_ITEMS_PER_MESSAGE).map((k, i) => cacheKey(k, `${path}.cacheEvicted[${i}]`))
  return msg
}

function report (o: Record<string, unknown>, path: string, maxPayload: number): ReportMessage {
  return {
    kind: 'report',
    epoch: epoch(o.epoch, `${path}.epoch`),
    running: list(o.running, `${path}.running`, MAX_ITEMS_PER_MESSAGE).map((r, i) => runningEntry(r, `${path}.running[${i}]`, maxPayload)),
    finished: list(o.finished, `${path}.finished`, MAX_ITEMS_PER_MESSAGE).map((d, i) => {
      const entry = record(d, `${path}.finished[${i}]`)
      if (entry.kind !== 'done') throw new Invalid(`${path}.finished[${i}].kind: must be "done"`)
      return done(entry, `${path}.finished[${i}]`, maxPayload)
    }),
    more: boolean(o.more, `${path}.more`)
  }
}

/** ok: true carries `value` (absent means null); ok: false carries `error`. */
function outcome (o: Record<string, unknown>, path: string, maxPayload: number): TaskOutcome {
  if (boolean(o.ok, `${path}.ok`)) return { ok: true, value: o.value === undefined ? null : payload(o.value, `${path}.value`, maxPayload) }
  return { ok: false, error: failure(o.error, `${path}.error`) }
}

function failure (value: unknown, path: string): TaskFailure {
  const o = record(value, path)
  return {
    code: pattern(o.code, `${path}.code`, ERROR_CODE_PATTERN, 'lowercase letters, digits and -, at most 64'),
    message: text(o.message, `${path}.message`, MAX_ERROR_MESSAGE_LENGTH)
  }
}

function payload (value: unknown, path: string, maxBytes: number): JsonValue {
  if (value === undefined) throw new Invalid(`${path}: missing`)
  // Iterative, so that hostile nesting cannot overflow the stack before it is refused.
  const stack: Array<{ v: unknown, depth: number }> = [{ v: value, depth: 1 }]
  while (stack.length > 0) {
    const { v, depth } = stack.pop() as { v: unknown, depth: number }
    if (v === null || typeof v !== 'object') continue
    if (depth > MAX_JSON_DEPTH) throw new Invalid(`${path}: nested deeper than ${MAX_JSON_DEPTH} levels`)
    for (const child of Object.values(v)) stack.push({ v: child, depth: depth + 1 })
  }
  const size = jsonBytes(value)
  if (size > maxBytes) throw new Invalid(`${path}: ${size} bytes of JSON, limit is ${maxBytes}`)
  return value as JsonValue
}

function map<T> (value: unknown, path: string, item: (v: unknown, path: string) => T): Record<string, T> {
  const o = record(value, path)
  const keys = Object.keys(o)
  if (keys.length > MAX_MAP_ENTRIES) throw new Invalid(`${path}: ${keys.length} entries, at most ${MAX_MAP_ENTRIES}`)
  const out: Record<string, T> = {}
  for (const key of keys) {
    if (!KEY_PATTERN.test(key) || key === '__proto__') throw new Invalid(`${path}: key ${shown(key)} must match [A-Za-z0-9_.-]{1,64}`)
    out[key] = item(o[key], `${path}.${key}`)
  }
  return out
}

function record (value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Invalid(`${path}: must be an object`)
  return value as Record<string, unknown>
}

function list (value: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(value)) throw new Invalid(`${path}: must be an array`)
  if (value.length > max) throw new Invalid(`${path}: ${value.length} entries, at most ${max}`)
  return value
}

function ids (value: unknown, path: string): string[] {
  return list(value, path, MAX_ITEMS_PER_MESSAGE).map((v, i) => taskId(v, `${path}[${i}]`))
}

function text (value: unknown, path: string, max: number): string {
  if (typeof value !== 'string') throw new Invalid(`${path}: must be a string`)
  if (value.length > max) throw new Invalid(`${path}: ${value.length} characters, at most ${max}`)
  return value
}

function pattern (value: unknown, path: string, re: RegExp, rule: string): string {
  const s = text(value, path, 256)
  if (!re.test(s)) throw new Invalid(`${path}: ${JSON.stringify(s.slice(0, 80))} must be ${rule}`)
  return s
}

function taskId (value: unknown, path: string): string {
  const s = text(value, path, MAX_ID_LENGTH)
  if (s.length === 0 || CONTROL_CHARS.test(s)) throw new Invalid(`${path}: a task id must be 1-${MAX_ID_LENGTH} characters without control characters`)
  return s
}

function cacheKey (value: unknown, path: string): string {
  const s = text(value, path, MAX_CACHE_KEY_LENGTH)
  if (s.length === 0 || CONTROL_CHARS.test(s)) throw new Invalid(`${path}: a cache key must be 1-${MAX_CACHE_KEY_LENGTH} characters without control characters`)
  return s
}

function taskType (value: unknown, path: string): string {
  const s = text(value, path, MAX_TYPE_LENGTH)
  if (!TYPE_PATTERN.test(s)) throw new Invalid(`${path}: ${JSON.stringify(s)} must be 1-${MAX_TYPE_LENGTH} of [A-Za-z0-9_.:-]`)
  return s
}

function nodeId (value: unknown, path: string): NodeId {
  const s = text(value, path, MAX_ID_LENGTH)
  if (!NODE_ID_PATTERN.test(s)) throw new Invalid(`${path}: a node id must be 1-${MAX_ID_LENGTH} of [A-Za-z0-9]`)
  return s
}

function rejectCode (value: unknown, path: string): RejectCode {
  const code = REJECT_CODES.find(c => c === value)
  if (code === undefined) throw new Invalid(`${path}: must be one of ${REJECT_CODES.join(', ')}`)
  return code
}

function integer (value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Invalid(`${path}: must be an integer in [${min}, ${max}], got ${shown(value)}`)
  }
  return value + 0 // -0 would not survive a re-encode: JSON writes it as 0
}

function finite (value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Invalid(`${path}: must be a number in [${min}, ${max}], got ${shown(value)}`)
  }
  return value + 0
}

function boolean (value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new Invalid(`${path}: must be true or false`)
  return value
}

function epoch (value: unknown, path: string): Epoch {
  return integer(value, path, 0, Number.MAX_SAFE_INTEGER)
}

function attempt (value: unknown, path: string): number {
  return integer(value, path, 1, Number.MAX_SAFE_INTEGER)
}
