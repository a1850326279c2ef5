// Valid messages of every protocol, as fast-check arbitraries: the starting points that the
// mutations in mutate.ts turn hostile, and inputs that must round-trip through their codec.
import fc from 'fast-check'
import type { Heartbeat } from '../../src/core/membership/heartbeat.js'
import type { ElectionMessage, VoterConfig } from '../../src/core/election/types.js'
import type { TaskMessage } from '../../src/core/tasks/messages.js'
import type { JsonValue, TaskSpec } from '../../src/core/tasks/types.js'
import { TaskTable } from '../../src/core/tasks/table.js'
import type { GossipMessage } from '../../src/wire/heartbeat.js'
import type { QueryRequest, QueryResponse } from '../../src/wire/query.js'

const alnum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('')

/** Peer-id-like strings; a few fixed ones so that senders and named nodes often coincide. */
export const nodeIdArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'h', 'm', 'p', '12D3KooWA1b2C3d4E5f6G7h8J9k'),
  fc.string({ unit: fc.constantFrom(...alnum), minLength: 1, maxLength: 52 })
)
const small = fc.nat(1000)
const count = fc.oneof(small, fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER))
const amount = fc.oneof(small, fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }))
const name = fc.string({ unit: fc.constantFrom(...alnum, '_', '.', '-'), minLength: 1, maxLength: 20 })
const sortedIds = fc.uniqueArray(nodeIdArb, { minLength: 1, maxLength: 7 }).map(ids => ids.sort())

const heartbeatArb: fc.Arbitrary<Heartbeat> = fc.record({
  id: nodeIdArb,
  incarnation: count,
  seq: count,
  version: fc.string({ maxLength: 20 }),
  addrs: fc.array(fc.constantFrom('/ip4/127.0.0.1/tcp/4001', '/ip4/10.0.0.5/tcp/1234/p2p/12D3KooWA1b2'), { maxLength: 3 }),
  role: fc.constantFrom('master' as const, 'voter' as const, 'worker' as const),
  capacity: fc.record({
    slots: fc.nat(100),
    cpus: amount,
    memTotalBytes: amount,
    memFreeBytes: amount,
    resources: fc.dictionary(name, amount, { maxKeys: 3 }),
    labels: fc.dictionary(name, fc.string({ maxLength: 20 }), { maxKeys: 3 })
  }),
  load: fc.record({ running: small, queued: small, eventLoopDelayMs: amount, loadAvg1: amount }),
  handlers: fc.array(name, { maxLength: 4 }),
  cluster: fc.record({
    voters: fc.option(sortedIds, { nil: null }),
    proposal: fc.option(sortedIds, { nil: null }),
    epoch: count,
    master: fc.option(nodeIdArb, { nil: null })
  })
})

export const gossipArb: fc.Arbitrary<GossipMessage> = fc.oneof(
  heartbeatArb.map(hb => ({ v: 1 as const, kind: 'heartbeat' as const, hb })),
  fc.record({ id: nodeIdArb, incarnation: count, seq: count }).map(leave => ({ v: 1 as const, kind: 'leave' as const, leave }))
)

const voterConfigArb: fc.Arbitrary<VoterConfig> = fc.record({ version: small, term: small, voters: sortedIds })

/** `term` bounds terms: realistic ones for trusted senders, anything for the rest. */
export function electionArb (term: fc.Arbitrary<number> = count): fc.Arbitrary<ElectionMessage> {
  return fc.oneof(
    fc.record({ kind: fc.constant('lease-request' as const), term, candidate: nodeIdArb, reqId: small }),
    fc.record({ kind: fc.constant('lease-request' as const), term, candidate: nodeIdArb, reqId: small, config: fc.record({ committed: voterConfigArb, pending: fc.constant(null) }) }),
    fc.record({ kind: fc.constant('lease-response' as const), term, reqId: small, granted: fc.boolean(), promisedTerm: term, holder: fc.option(nodeIdArb, { nil: null }), remainingMs: fc.nat(3_600_000) }),
    fc.record({ kind: fc.constant('release' as const), term }),
    fc.record({ kind: fc.constant('timeout-now' as const), term }),
    fc.record({ kind: fc.constant('master-announce' as const), term, master: nodeIdArb, leaseRemainingMs: fc.nat(3_600_000) }),
    fc.record({ kind: fc.constant('master-announce' as const), term, master: nodeIdArb, leaseRemainingMs: fc.nat(3_600_000), config: voterConfigArb })
  )
}

const jsonValueArb = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>
const taskIdArb = fc.oneof(fc.constantFrom('t1', 't2', 't3'), fc.string({ minLength: 1, maxLength: 40 }).filter(s => !/\p{Cc}/u.test(s)))

export function taskSpecArb (submitter: fc.Arbitrary<string> = nodeIdArb): fc.Arbitrary<TaskSpec> {
  return fc.record({
    id: taskIdArb,
    type: fc.constantFrom('echo', 'sleep', 'sha256', 'nope'),
    payload: jsonValueArb,
    priority: fc.integer({ min: -1000, max: 1000 }),
    req: fc.record({
      slots: fc.integer({ min: 1, max: 4 }),
      cpus: fc.nat(4),
      memoryBytes: fc.nat(1e6),
      resources: fc.dictionary(name, fc.nat(4), { maxKeys: 2 }),
      constraints: fc.dictionary(name, fc.string({ maxLength: 10 }), { maxKeys: 2 })
    }),
    timeoutMs: fc.integer({ min: 1, max: 60_000 }),
    retries: fc.nat(3),
    backoffMs: fc.nat(1000),
    submitter
  })
}

const outcomeArb = fc.oneof(
  jsonValueArb.map(value => ({ ok: true as const, value })),
  fc.record({ code: fc.constantFrom('handler-error', 'timeout', 'no-handler'), message: fc.string({ maxLength: 40 }) }).map(error => ({ ok: false as const, error }))
)

const epochArb = fc.oneof(fc.nat(5), count)
const attemptArb = fc.integer({ min: 1, max: 5 })

function doneArb (): fc.Arbitrary<Extract<TaskMessage, { kind: 'done' }>> {
  return fc.tuple(fc.record({ epoch: epochArb, id: taskIdArb, attempt: attemptArb, submitter: nodeIdArb, durationMs: fc.nat(1e6), timedOut: fc.boolean() }), outcomeArb)
    .map(([head, outcome]) => ({ kind: 'done' as const, ...head, ...outcome }))
}

export const taskMessageArb: fc.Arbitrary<TaskMessage> = fc.oneof(
  fc.array(taskSpecArb(), { minLength: 1, maxLength: 3 }).map(tasks => ({ kind: 'submit' as const, tasks })),
  taskIdArb.map(id => ({ kind: 'cancel' as const, id })),
  fc.array(taskIdArb, { maxLength: 3 }).map(ids => ({ kind: 'accepted' as const, ids })),
  fc.record({ id: taskIdArb, code: fc.constantFrom('no-eligible-node' as const, 'queue-full' as const, 'invalid' as const, 'not-master' as const), reason: fc.string({ maxLength: 40 }) }).map(r => ({ kind: 'rejected' as const, ...r })),
  fc.tuple(fc.record({ id: taskIdArb, attempts: fc.nat(5), node: fc.option(nodeIdArb, { nil: null }), durationMs: fc.nat(1e6) }), outcomeArb).map(([h, o]) => ({ kind: 'result' as const, ...h, ...o })),
  fc.record({ epoch: epochArb, tasks: fc.array(fc.record({ spec: taskSpecArb(), attempt: attemptArb }), { minLength: 1, maxLength: 3 }) }).map(a => ({ kind: 'assign' as const, ...a })),
  fc.record({ epoch: epochArb, id: taskIdArb }).map(a => ({ kind: 'abort' as const, ...a })),
  epochArb.map(epoch => ({ kind: 'sync' as const, epoch })),
  fc.array(taskIdArb, { maxLength: 3 }).map(ids => ({ kind: 'doneAck' as const, ids })),
  fc.record({ epoch: epochArb, ids: fc.array(taskIdArb, { maxLength: 3 }) }).map(a => ({ kind: 'ack' as const, ...a })),
  fc.record({ epoch: epochArb, id: taskIdArb, reason: fc.string({ maxLength: 40 }), fenced: fc.constant<true>(true) }, { requiredKeys: ['epoch', 'id', 'reason'] }).map(r => ({ kind: 'refuse' as const, ...r })),
  doneArb(),
  fc.record({
    epoch: epochArb,
    running: fc.array(fc.record({ spec: taskSpecArb(), attempt: attemptArb, epoch: epochArb, elapsedMs: fc.nat(1e6) }), { maxLength: 2 }),
    finished: fc.array(doneArb(), { maxLength: 2 }),
    more: fc.boolean()
  }).map(r => ({ kind: 'report' as const, ...r }))
)

export const taskFrameArb = fc.array(taskMessageArb, { minLength: 1, maxLength: 4 })

export const queryRequestArb: fc.Arbitrary<QueryRequest> = fc.oneof(
  fc.constant({ kind: 'time' as const }),
  taskIdArb.map(id => ({ kind: 'task' as const, id }))
)

/** A real record from a task table: one task submitted, placed, run and done. */
function realTaskView (): NonNullable<ReturnType<TaskTable['task']>> {
  const worker = { id: 'w', capacity: { slots: 2, cpus: 2, memTotalBytes: 1e9, memFreeBytes: 1e9, resources: {}, labels: {} }, load: { running: 0, queued: 0, eventLoopDelayMs: 0, loadAvg1: 0 }, handlers: ['echo'], isMaster: false }
  const table = new TaskTable({ epoch: 1, now: 0, workers: [worker] })
  table.receive('w', [{ kind: 'report', epoch: 1, running: [], finished: [], more: false }], 1)
  const spec: TaskSpec = { id: 't1', type: 'echo', payload: { x: 1 }, priority: 0, req: { slots: 1, cpus: 0, memoryBytes: 0, resources: {}, constraints: {} }, timeoutMs: 1000, retries: 0, backoffMs: 0, submitter: 's' }
  table.receive('s', [{ kind: 'submit', tasks: [spec] }], 2)
  table.receive('w', [{ kind: 'done', epoch: 1, id: 't1', attempt: 1, submitter: 's', durationMs: 3, timedOut: false, ok: true, value: { y: 2 } }], 5)
  const view = table.task('t1')
  if (view === undefined) throw new Error('sample task missing')
  return view
}

export const queryResponseArb: fc.Arbitrary<QueryResponse> = fc.oneof(
  fc.record({ kind: fc.constant('time' as const), wallMs: fc.nat(), monoMs: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
  taskIdArb.map(id => ({ kind: 'task' as const, id, found: false as const })),
  fc.string({ maxLength: 60 }).map(reason => ({ kind: 'error' as const, reason })),
  fc.constant(null).map(() => ({ kind: 'task' as const, id: 't1', found: true as const, view: realTaskView(), pending: false }))
)
