// The cache fields of the task protocol: carried when present, absent otherwise, and bounded.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeTaskFrame, encodeTaskFrame, MAX_CACHE_KEY_LENGTH, MAX_CACHE_TTL_MS } from '../../src/wire/tasks.js'
import type { TaskMessage } from '../../src/core/tasks/messages.js'
import { spec } from '../sim/tasks-fixtures.js'

const utf8 = new TextEncoder()

function decode (msgs: unknown[]): ReturnType<typeof decodeTaskFrame> {
  return decodeTaskFrame(utf8.encode(JSON.stringify({ v: 1, kind: 'batch', msgs })))
}

function reasonFor (msg: unknown): string {
  const r = decode([msg])
  assert.equal(r.ok, false, `expected a rejection for ${JSON.stringify(msg).slice(0, 200)}`)
  return r.ok ? '' : r.reason
}

const DONE = { kind: 'done', epoch: 3, id: 'a', attempt: 1, submitter: 'sub', durationMs: 0, timedOut: false, ok: true, value: 1 }

describe('task codec: cache fields', () => {
  test('cacheKey and cacheTtlMs on a spec, cached/cacheHeld/cacheEvicted on a done and cached on a result round-trip', () => {
    const msgs: TaskMessage[] = [
      { kind: 'submit', tasks: [spec('a', { cacheKey: 'sha256:AbC-_9', cacheTtlMs: 60_000 }), spec('b', { cacheKey: 'k'.repeat(MAX_CACHE_KEY_LENGTH) })] },
      { kind: 'assign', epoch: 3, tasks: [{ spec: spec('a', { cacheKey: 'x' }), attempt: 1 }] },
      { kind: 'done', epoch: 3, id: 'a', attempt: 1, submitter: 'sub', durationMs: 0, timedOut: false, ok: true, value: { v: 1 }, cached: true, cacheHeld: true, cacheEvicted: ['old-1', 'old-2'] },
      { kind: 'result', id: 'a', attempts: 0, node: 'w1', durationMs: 0, ok: true, value: 2, cached: true }
    ]
    const r = decodeTaskFrame(encodeTaskFrame(msgs))
    assert.ok(r.ok, r.ok ? '' : r.reason)
    assert.deepEqual(r.value, msgs)
  })

  test('messages without cache fields decode without them; false flags are left out', () => {
    const r = decode([{ kind: 'submit', tasks: [spec('a')] }, { ...DONE, cached: false, cacheHeld: false }, { kind: 'result', id: 'a', attempts: 1, node: 'w1', durationMs: 1, ok: true, value: 1, cached: false }])
    assert.ok(r.ok, r.ok ? '' : r.reason)
    const [submit, done, result] = r.value
    assert.equal(submit?.kind === 'submit' && 'cacheKey' in (submit.tasks[0] ?? {}), false)
    assert.equal(submit?.kind === 'submit' && 'cacheTtlMs' in (submit.tasks[0] ?? {}), false)
    assert.deepEqual(done, DONE)
    assert.equal(result !== undefined && 'cached' in result, false)
  })

  test('bad cache keys, TTLs and flags are refused with the field named', () => {
    const submit = (over: Record<string, unknown>): unknown => ({ kind: 'submit', tasks: [{ ...spec('a'), ...over }] })
    assert.match(reasonFor(submit({ cacheKey: '' })), /tasks\[0\]\.cacheKey: a cache key must be 1-128 characters/)
    assert.match(reasonFor(submit({ cacheKey: 'k'.repeat(MAX_CACHE_KEY_LENGTH + 1) })), /cacheKey: 129 characters, at most 128/)
    assert.match(reasonFor(submit({ cacheKey: 'a\nb' })), /cacheKey: a cache key must be/)
    assert.match(reasonFor(submit({ cacheKey: 7 })), /cacheKey: must be a string/)
    assert.match(reasonFor(submit({ cacheTtlMs: 10 })), /cacheTtlMs: only allowed with a cacheKey/)
    assert.match(reasonFor(submit({ cacheKey: 'k', cacheTtlMs: 0 })), /cacheTtlMs: must be an integer in \[1, /)
    assert.match(reasonFor(submit({ cacheKey: 'k', cacheTtlMs: MAX_CACHE_TTL_MS + 1 })), /cacheTtlMs: must be an integer/)
    assert.match(reasonFor({ ...DONE, cached: 'yes' }), /cached: must be true or false/)
    assert.match(reasonFor({ ...DONE, cacheHeld: 1 }), /cacheHeld: must be true or false/)
    assert.match(reasonFor({ ...DONE, cacheEvicted: 'k' }), /cacheEvicted: must be an array/)
    assert.match(reasonFor({ ...DONE, cacheEvicted: ['ok', ''] }), /cacheEvicted\[1\]: a cache key must be/)
    assert.match(reasonFor({ kind: 'result', id: 'a', attempts: 1, node: 'w1', durationMs: 1, ok: true, value: 1, cached: null }), /cached: must be true or false/)
  })
})
