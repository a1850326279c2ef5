import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  decodeTaskFrame, encodeTaskFrame, packTaskFrames, MAX_ITEMS_PER_MESSAGE, MAX_JSON_DEPTH, MAX_MESSAGES_PER_FRAME,
  MAX_TASK_FRAME_BYTES
} from '../../src/wire/tasks.js'
import { MESSAGE_BUDGET_BYTES } from '../../src/core/tasks/size.js'
import type { TaskMessage } from '../../src/core/tasks/messages.js'
import { spec } from '../sim/tasks-fixtures.js'

const utf8 = new TextEncoder()

const EVERY_KIND: TaskMessage[] = [
  { kind: 'submit', tasks: [spec('a', { payload: { nested: [1, 'two', null, true] }, priority: -1000, retries: 100 }), spec('b', { req: { slots: 2, cpus: 1.5, memoryBytes: 1024, resources: { gpu: 1 }, constraints: { zone: 'lab' } } })] },
  { kind: 'cancel', id: 'a' },
  { kind: 'accepted', ids: ['a', 'b'] },
  { kind: 'rejected', id: 'a', code: 'queue-full', reason: 'queue full (2 tasks)' },
  { kind: 'result', id: 'a', attempts: 2, node: 'w1', durationMs: 12.5, ok: true, value: { out: [1, 2] } },
  { kind: 'result', id: 'b', attempts: 0, node: null, durationMs: 0, ok: false, error: { code: 'cancelled', message: 'by submitter' } },
  { kind: 'assign', epoch: 3, tasks: [{ spec: spec('a'), attempt: 1 }] },
  { kind: 'abort', epoch: 3, id: 'a' },
  { kind: 'sync', epoch: 4 },
  { kind: 'doneAck', ids: ['a'] },
  { kind: 'ack', epoch: 3, ids: ['a'] },
  { kind: 'refuse', epoch: 3, id: 'a', reason: "no handler for type 'echo'" },
  { kind: 'refuse', epoch: 3, id: 'a', reason: 'stale master: epoch 3 is older than 4', fenced: true },
  { kind: 'done', epoch: 3, id: 'a', attempt: 1, submitter: 'sub', durationMs: 4, timedOut: false, ok: true, value: null },
  {
    kind: 'report',
    epoch: 4,
    running: [{ spec: spec('c'), attempt: 2, epoch: 3, elapsedMs: 30 }],
    finished: [{ kind: 'done', epoch: 3, id: 'd', attempt: 1, submitter: 'sub', durationMs: 4, timedOut: true, ok: false, error: { code: 'timeout', message: 'slow' } }],
    more: false
  }
]

/** Decodes a frame built from raw JSON text (so tests can send what the encoder never would). */
function decodeJson (frame: unknown, opts = {}): ReturnType<typeof decodeTaskFrame> {
  return decodeTaskFrame(utf8.encode(JSON.stringify(frame)), opts)
}

function reasonFor (msg: unknown, opts = {}): string {
  const r = decodeJson({ v: 1, kind: 'batch', msgs: [msg] }, opts)
  assert.equal(r.ok, false, `expected a rejection for ${JSON.stringify(msg).slice(0, 200)}`)
  return r.ok ? '' : r.reason
}

function submitWith (over: Record<string, unknown>): unknown {
  return { kind: 'submit', tasks: [{ ...spec('a'), ...over }] }
}

describe('task frame codec', () => {
  test('every message kind round-trips', () => {
    const r = decodeTaskFrame(encodeTaskFrame(EVERY_KIND))
    assert.ok(r.ok, r.ok ? '' : r.reason)
    assert.deepEqual(r.value, EVERY_KIND)
  })

  test('unknown fields are dropped; an absent success value decodes as null', () => {
    const r = decodeJson({ v: 1, kind: 'batch', extra: 1, msgs: [{ kind: 'result', id: 'a', attempts: 1, node: 'w1', durationMs: 1, ok: true, sneaky: true }] })
    assert.ok(r.ok)
    assert.deepEqual(r.value, [{ kind: 'result', id: 'a', attempts: 1, node: 'w1', durationMs: 1, ok: true, value: null }])
  })

  test('frame-level rejections name the problem', () => {
    const big = new Uint8Array(MAX_TASK_FRAME_BYTES + 1)
    const cases: Array<[Uint8Array, RegExp]> = [
      [big, /limit is 4194304/],
      [utf8.encode('{"v":1,'), /not valid JSON/],
      [new Uint8Array([0xff, 0xfe]), /not valid UTF-8/],
      [utf8.encode('[]'), /frame: must be an object/],
      [utf8.encode('{"v":2,"kind":"batch","msgs":[]}'), /unsupported task protocol version 2/],
      [utf8.encode('{"kind":"batch","msgs":[]}'), /unsupported task protocol version undefined/],
      [utf8.encode('{"v":1,"kind":"other","msgs":[]}'), /unknown frame kind "other"/],
      [utf8.encode('{"v":1,"kind":"batch","msgs":{}}'), /msgs: must be an array/],
      [utf8.encode(JSON.stringify({ v: 1, kind: 'batch', msgs: Array(MAX_MESSAGES_PER_FRAME + 1).fill({ kind: 'sync', epoch: 1 }) })), /4097 entries, at most 4096/]
    ]
    for (const [bytes, re] of cases) {
      const r = decodeTaskFrame(bytes)
      assert.ok(!r.ok && re.test(r.reason), `${r.ok ? 'accepted' : r.reason} should match ${re}`)
    }
  })

  test('message-level rejections name the field and the rule', () => {
    const cases: Array<[unknown, RegExp, object?]> = [
      [{ kind: 'nope' }, /msgs\[0\]\.kind: unknown message kind "nope"/],
      [null, /msgs\[0\]: must be an object/],
      [{ kind: 'cancel', id: 'x'.repeat(129) }, /id: 129 characters, at most 128/],
      [{ kind: 'cancel', id: '' }, /task id must be 1-128 characters/],
      [{ kind: 'cancel', id: 'a\nb' }, /without control characters/],
      [{ kind: 'cancel', id: 7 }, /id: must be a string/],
      [submitWith({ type: 'has space' }), /type: "has space" must be 1-64 of/],
      [submitWith({ type: 't'.repeat(65) }), /type: 65 characters, at most 64/],
      [submitWith({ priority: 1001 }), /priority: must be an integer in \[-1000, 1000\], got 1001/],
      [submitWith({ priority: 1.5 }), /priority: must be an integer/],
      [submitWith({ retries: 101 }), /retries: must be an integer in \[0, 100\]/],
      [submitWith({ timeoutMs: 0 }), /timeoutMs: must be an integer in \[1, /],
      [submitWith({ backoffMs: -1 }), /backoffMs: must be an integer/],
      [submitWith({ submitter: 'not/an/id' }), /submitter: a node id must be/],
      [submitWith({ payload: undefined }), /payload: missing/],
      [submitWith({ payload: 'x'.repeat(100) }), /payload: 102 bytes of JSON, limit is 50/, { maxPayloadBytes: 50 }],
      [submitWith({ req: { slots: 0, cpus: 0, memoryBytes: 0, resources: {}, constraints: {} } }), /req\.slots: must be an integer in \[1, 100000\]/],
      [submitWith({ req: { slots: 1, cpus: -1, memoryBytes: 0, resources: {}, constraints: {} } }), /req\.cpus: must be a number/],
      [submitWith({ req: { slots: 1, cpus: 0, memoryBytes: 0, resources: { 'bad key': 1 }, constraints: {} } }), /resources: key "bad key" must match/],
      [submitWith({ req: { slots: 1, cpus: 0, memoryBytes: 0, resources: { gpu: -1 }, constraints: {} } }), /resources\.gpu: must be a number/],
      [submitWith({ req: { slots: 1, cpus: 0, memoryBytes: 0, resources: {}, constraints: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) } }), /constraints: 33 entries, at most 32/],
      [submitWith({ req: { slots: 1, cpus: 0, memoryBytes: 0, resources: {}, constraints: { zone: 1 } } }), /constraints\.zone: must be a string/],
      [{ kind: 'submit', tasks: Array(MAX_ITEMS_PER_MESSAGE + 1).fill(spec('a')) }, /tasks: 4097 entries, at most 4096/],
      [{ kind: 'rejected', id: 'a', code: 'whatever', reason: 'r' }, /code: must be one of no-eligible-node, queue-full, invalid, not-master/],
      [{ kind: 'rejected', id: 'a', code: 'invalid', reason: 'r'.repeat(1025) }, /reason: 1025 characters, at most 1024/],
      [{ kind: 'result', id: 'a', attempts: 1, node: 'w1', durationMs: 1, ok: false }, /error: must be an object/],
      [{ kind: 'result', id: 'a', attempts: 1, node: 'w1', durationMs: 1, ok: 'yes' }, /ok: must be true or false/],
      [{ kind: 'result', id: 'a', attempts: 1, node: 'w1', durationMs: 1, ok: false, error: { code: 'Bad Code', message: 'm' } }, /error\.code: "Bad Code" must be lowercase/],
      [{ kind: 'result', id: 'a', attempts: 1, node: 'w1', durationMs: Infinity, ok: true }, /durationMs: must be a number/],
      [{ kind: 'assign', epoch: -1, tasks: [] }, /epoch: must be an integer in \[0, /],
      [{ kind: 'assign', epoch: 1, tasks: [{ spec: spec('a'), attempt: 0 }] }, /attempt: must be an integer in \[1, /],
      [{ kind: 'done', epoch: 1, id: 'a', attempt: 1, submitter: 'sub', durationMs: 1, timedOut: 'no', ok: true }, /timedOut: must be true or false/],
      [{ kind: 'report', epoch: 1, running: [], finished: [{ kind: 'ack', epoch: 1, ids: [] }], more: false }, /finished\[0\]\.kind: must be "done"/],
      [{ kind: 'report', epoch: 1, running: [{ spec: spec('a'), attempt: 1, epoch: 1 }], finished: [], more: false }, /elapsedMs: must be a number/],
      [{ kind: 'report', epoch: 1, running: [], finished: [] }, /more: must be true or false/]
    ]
    for (const [msg, re, opts] of cases) {
      const reason = reasonFor(msg, opts)
      assert.ok(re.test(reason), `${reason} should match ${re}`)
    }
  })

  test('prototype keys are refused in maps', () => {
    const text = '{"v":1,"kind":"batch","msgs":[{"kind":"submit","tasks":[' + JSON.stringify(spec('a')).replace('"resources":{}', '"resources":{"__proto__":1}') + ']}]}'
    const r = decodeTaskFrame(utf8.encode(text))
    assert.ok(!r.ok && /key "__proto__"/.test(r.reason))
  })

  test('payloads nested deeper than the limit are refused without overflowing the stack', () => {
    const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n)
    const at = (depth: number): ReturnType<typeof decodeTaskFrame> => decodeTaskFrame(utf8.encode(
      '{"v":1,"kind":"batch","msgs":[{"kind":"submit","tasks":[' + JSON.stringify(spec('a')).replace('"payload":{"id":"a"}', `"payload":${deep(depth)}`) + ']}]}'))
    assert.equal(at(MAX_JSON_DEPTH).ok, true)
    const tooDeep = at(MAX_JSON_DEPTH + 1)
    assert.ok(!tooDeep.ok && /nested deeper than 64 levels/.test(tooDeep.reason))
    const hostile = at(1_000_000)
    assert.equal(hostile.ok, false)
  })

  test('random bytes never make the decoder throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), bytes => {
      const r = decodeTaskFrame(bytes)
      assert.equal(typeof r.ok, 'boolean')
    }), { numRuns: 2000 })
  })

  test('random JSON in a frame never makes the decoder throw', () => {
    fc.assert(fc.property(fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 5 }), msgs => {
      const r = decodeJson({ v: 1, kind: 'batch', msgs })
      assert.equal(typeof r.ok, 'boolean')
    }), { numRuns: 1000 })
  })

  test('mutated valid frames never throw, and whatever is accepted re-encodes to the same value', () => {
    const valid = JSON.stringify({ v: 1, kind: 'batch', msgs: EVERY_KIND })
    fc.assert(fc.property(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 8 }), fc.string({ maxLength: 4 }), (at, cut, insert) => {
      const text = valid.slice(0, at) + insert + valid.slice(at + cut)
      const r = decodeTaskFrame(utf8.encode(text))
      if (!r.ok) return
      const again = decodeTaskFrame(encodeTaskFrame(r.value))
      assert.ok(again.ok)
      // Compared as JSON: a payload may hold -0, which JSON (and so the peer) reads as 0.
      assert.equal(JSON.stringify(again.value), JSON.stringify(r.value))
    }), { numRuns: 3000 })
  })

  test('packTaskFrames keeps order, respects the byte limit and reports messages too big for any frame', () => {
    const msgs: TaskMessage[] = Array.from({ length: 50 }, (_, i) => ({ kind: 'cancel', id: `task-${i}` }))
    const huge: TaskMessage = { kind: 'submit', tasks: [spec('huge', { payload: 'x'.repeat(2000) })] }
    const { frames, oversized } = packTaskFrames([...msgs.slice(0, 25), huge, ...msgs.slice(25)], 400)
    assert.deepEqual(oversized, [huge])
    assert.ok(frames.length > 1)
    const decoded: TaskMessage[] = []
    for (const frame of frames) {
      assert.ok(frame.length <= 400)
      const r = decodeTaskFrame(frame)
      assert.ok(r.ok, r.ok ? '' : r.reason)
      decoded.push(...r.value)
    }
    assert.deepEqual(decoded, msgs)
  })

  test('packTaskFrames never puts more messages in a frame than the decoder accepts', () => {
    // Found under load: 8170 small messages for one peer went out as one frame and were lost.
    const msgs: TaskMessage[] = Array.from({ length: MAX_MESSAGES_PER_FRAME * 2 + 1 }, (_, i) => ({ kind: 'accepted', ids: [`t-${i}`] }))
    const { frames, oversized } = packTaskFrames(msgs)
    assert.equal(oversized.length, 0)
    assert.equal(frames.length, 3)
    const decoded: TaskMessage[] = []
    for (const frame of frames) {
      const r = decodeTaskFrame(frame)
      assert.ok(r.ok, r.ok ? '' : r.reason)
      decoded.push(...r.value)
    }
    assert.deepEqual(decoded, msgs)
  })

  test("a message at the state machines' size budget fits in a frame", () => {
    assert.ok(MESSAGE_BUDGET_BYTES + 64 * 1024 < MAX_TASK_FRAME_BYTES)
    // The worst case the budget allows: a message of (nearly) the budget plus one maximal task.
    const payload = 'z'.repeat(MESSAGE_BUDGET_BYTES - 1000)
    const msg: TaskMessage = { kind: 'submit', tasks: [spec('a', { payload })] }
    const { frames, oversized } = packTaskFrames([msg])
    assert.equal(oversized.length, 0)
    assert.equal(frames.length, 1)
    assert.equal(decodeTaskFrame(frames[0] as Uint8Array, { maxPayloadBytes: MESSAGE_BUDGET_BYTES }).ok, true)
  })
})
