import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  QUERY_LIMITS, decodeQueryRequest, decodeQueryResponse, encodeQueryRequest, encodeQueryResponse,
  type QueryRequest, type QueryResponse
} from '../../src/wire/query.js'
import type { TaskView } from '../../src/core/tasks/table-types.js'

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
const A = '12D3KooWAaaa'
const B = '12D3KooWBbbb'

const view: TaskView = {
  id: 'task-1',
  state: 'done',
  type: 'echo',
  priority: 0,
  submitter: A,
  submittedAt: 1234.5,
  attempts: [
    {
      attempt: 1,
      node: B,
      epoch: 3,
      placedAt: 1235,
      startedAt: 1236,
      endedAt: 1300,
      outcome: 'timeout',
      detail: 'ran past 50 ms',
      decision: {
        taskId: 'task-1',
        nodeId: B,
        score: 0.25,
        policy: 'least-loaded',
        candidates: [{ nodeId: B, score: 0.25 }, { nodeId: A, ruledOut: 'no free slot (2/2 used)' }, { nodeId: 'C', score: 1, preference: 'avoided' }]
      }
    },
    { attempt: 2, node: A, epoch: 4, placedAt: null, startedAt: null, endedAt: 1400, outcome: 'ok', detail: null, decision: null }
  ],
  notBefore: null,
  deferReason: null,
  result: { kind: 'result', id: 'task-1', ok: true, value: { n: [1, 2] }, attempts: 2, node: A, durationMs: 12 }
}

const responses: QueryResponse[] = [
  { kind: 'time', wallMs: 1764140000123, monoMs: 5021.625 },
  { kind: 'task', id: 'task-1', found: false },
  { kind: 'task', id: 'task-1', found: true, view, pending: false },
  { kind: 'task', id: 'task-1', found: true, pending: true },
  {
    kind: 'task',
    id: 'task-1',
    found: true,
    pending: false,
    result: { id: 'task-1', ok: false, error: { code: 'handler-error', message: 'boom' }, attempts: 1, node: null, durationMs: 3 }
  },
  { kind: 'error', reason: 'the node is stopping' }
]

function rejectedResponse (value: unknown, pattern: RegExp): void {
  const r = decodeQueryResponse(value instanceof Uint8Array ? value : bytes(value))
  assert.equal(r.ok, false, `expected rejection of ${JSON.stringify(value).slice(0, 200)}`)
  if (!r.ok) assert.match(r.reason, pattern)
}

function rejectedRequest (value: unknown, pattern: RegExp): void {
  const r = decodeQueryRequest(value instanceof Uint8Array ? value : bytes(value))
  assert.equal(r.ok, false, `expected rejection of ${JSON.stringify(value)}`)
  if (!r.ok) assert.match(r.reason, pattern)
}

describe('query wire format', () => {
  test('requests round-trip with v: 1 on the wire', () => {
    const requests: QueryRequest[] = [{ kind: 'time' }, { kind: 'task', id: 'abc-1' }]
    for (const req of requests) {
      const encoded = encodeQueryRequest(req)
      assert.equal(JSON.parse(new TextDecoder().decode(encoded)).v, 1)
      assert.deepEqual(decodeQueryRequest(encoded), { ok: true, value: req })
    }
  })

  test('responses round-trip: time, unknown task, full record, pending, submitter result, refusal', () => {
    for (const res of responses) {
      assert.deepEqual(decodeQueryResponse(encodeQueryResponse(res)), { ok: true, value: res })
    }
  })

  test('requests: size, JSON, version, kind, fields and id are checked', () => {
    rejectedRequest(new Uint8Array(QUERY_LIMITS.requestBytes + 1).fill(0x20), /1025 bytes, limit is 1024/)
    rejectedRequest(new Uint8Array([0xff]), /not valid UTF-8/)
    rejectedRequest([1], /must be a JSON object/)
    rejectedRequest({ v: 2, kind: 'time' }, /v: unsupported protocol version 2/)
    rejectedRequest({ kind: 'time' }, /v: unsupported protocol version nothing/)
    rejectedRequest({ v: 1, kind: 'reboot' }, /kind/)
    rejectedRequest({ v: 1, kind: 'time', extra: 1 }, /extra|unrecognized/i)
    rejectedRequest({ v: 1, kind: 'task' }, /id/)
    rejectedRequest({ v: 1, kind: 'task', id: '' }, /id/)
    rejectedRequest({ v: 1, kind: 'task', id: 'x'.repeat(129) }, /id/)
    rejectedRequest({ v: 1, kind: 'task', id: 'a\nb' }, /id: a task id has no control characters/)
  })

  test('responses: types, ranges and lengths inside a task record are checked, with the path in the reason', () => {
    const withView = (change: (v: any) => void): unknown => {
      const v = structuredClone(view) as any
      change(v)
      return { v: 1, kind: 'task', id: 'task-1', found: true, pending: false, view: v }
    }
    rejectedResponse(withView(v => { v.state = 'exploded' }), /^view\.state:/)
    rejectedResponse(withView(v => { v.submitter = 'not an id!' }), /^view\.submitter: a node id/)
    rejectedResponse(withView(v => { v.priority = 5000 }), /^view\.priority:/)
    rejectedResponse(withView(v => { v.attempts[0].epoch = -1 }), /^view\.attempts\.0\.epoch:/)
    rejectedResponse(withView(v => { v.attempts[0].decision.candidates[0].score = 'high' }), /^view\.attempts\.0\.decision\.candidates\.0\.score:/)
    rejectedResponse(withView(v => { v.attempts[0].detail = 'x'.repeat(QUERY_LIMITS.textChars + 1) }), /^view\.attempts\.0\.detail:/)
    rejectedResponse(withView(v => { v.attempts = Array.from({ length: QUERY_LIMITS.attempts + 1 }, () => v.attempts[1]) }), /^view\.attempts:/)
    rejectedResponse(withView(v => { v.result.ok = 'yes' }), /^view\.result/)
    rejectedResponse({ v: 1, kind: 'time', wallMs: '12:00' }, /^wallMs:/)
    rejectedResponse({ v: 1, kind: 'task', id: 'task-1', found: true }, /^pending:/)
    rejectedResponse({ v: 1, kind: 'task', id: 'task-1', found: false, sneaky: true }, /sneaky|unrecognized/i)
    rejectedResponse({ v: 1, kind: 'error', reason: 42 }, /^reason:/)
  })

  test('unknown fields inside a task record are dropped, not passed on', () => {
    const v = { ...structuredClone(view), secretSauce: 1 } as any
    v.attempts[0].decision.candidates[0].extra = 'x'
    const r = decodeQueryResponse(bytes({ v: 1, kind: 'task', id: 'task-1', found: true, pending: false, view: v }))
    assert.ok(r.ok && r.value.kind === 'task' && r.value.found, JSON.stringify(r).slice(0, 300))
    assert.equal('secretSauce' in r.value.view!, false)
    assert.deepEqual(r.value.view!.attempts[0]!.decision!.candidates[0], { nodeId: B, score: 0.25 })
  })

  test('hostile nesting is refused before the schema walks it', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    const frame = new TextEncoder().encode(`{"v":1,"kind":"task","id":"t","found":true,"pending":false,"result":{"id":"t","ok":true,"attempts":1,"node":null,"durationMs":1,"value":${deep}}}`)
    rejectedResponse(frame, /nested deeper than/)
    // A result value nested as deep as the task stream allows (64) still passes.
    let value: unknown = 1
    for (let i = 0; i < QUERY_LIMITS.jsonDepth; i++) value = [value]
    const deepView = { ...view, result: { ...view.result!, value } } as TaskView
    const ok = decodeQueryResponse(encodeQueryResponse({ kind: 'task', id: 'task-1', found: true, pending: false, view: deepView }))
    assert.equal(ok.ok, true, ok.ok ? '' : ok.reason)
  })

  test('an answer too large for the limit goes without its result values, and says so', () => {
    const big = 'x'.repeat(QUERY_LIMITS.responseBytes)
    const res: QueryResponse = {
      kind: 'task',
      id: 'task-1',
      found: true,
      pending: false,
      view: { ...view, result: { kind: 'result', id: 'task-1', ok: true, value: big, attempts: 1, node: A, durationMs: 1 } },
      result: { id: 'task-1', ok: true, value: big, attempts: 1, node: A, durationMs: 1 }
    }
    const encoded = encodeQueryResponse(res)
    assert.ok(encoded.byteLength <= QUERY_LIMITS.responseBytes)
    const r = decodeQueryResponse(encoded)
    assert.ok(r.ok && r.value.kind === 'task' && r.value.found, JSON.stringify(r).slice(0, 300))
    assert.equal(r.value.valuesOmitted, true)
    assert.equal(r.value.result?.value, null)
    assert.equal(r.value.view?.result?.ok === true ? r.value.view.result.value : 'missing', null)
    assert.deepEqual(r.value.view?.attempts, view.attempts, 'the placement record is kept')
  })

  test('property: decoding random bytes or random JSON never throws', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (b) => {
      const req = decodeQueryRequest(b)
      const res = decodeQueryResponse(b)
      assert.equal(typeof req.ok, 'boolean')
      assert.equal(typeof res.ok, 'boolean')
    }), { numRuns: 2000 })
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom('time', 'task', 'error', 'x'), (value, kind) => {
      const asBody = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : { value }
      for (const msg of [value, { v: 1, kind, ...asBody }, { v: 1, kind, id: 't', found: true, pending: false, view: value }]) {
        assert.equal(typeof decodeQueryResponse(bytes(msg)).ok, 'boolean')
        assert.equal(typeof decodeQueryRequest(bytes(msg)).ok, 'boolean')
      }
    }), { numRuns: 2000 })
  })

  test('property: any valid request survives encode and decode unchanged', () => {
    const request = fc.oneof(
      fc.constant<QueryRequest>({ kind: 'time' }),
      fc.string({ minLength: 1, maxLength: QUERY_LIMITS.idChars, unit: 'grapheme-ascii' })
        .filter(id => !/\p{Cc}/u.test(id))
        .map((id): QueryRequest => ({ kind: 'task', id }))
    )
    fc.assert(fc.property(request, (req) => {
      assert.deepEqual(decodeQueryRequest(encodeQueryRequest(req)), { ok: true, value: req })
    }))
  })
})
