import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ResultCache } from '../../src/core/cache/result-cache.js'
import { utf8Bytes } from '../../src/core/tasks/size.js'
import type { JsonValue } from '../../src/core/tasks/types.js'

/** Stores a value the way the worker does: as JSON text with its UTF-8 length. */
function put (c: ResultCache, key: string, value: JsonValue, now = 0, ttlMs?: number, type = 'echo'): ReturnType<ResultCache['store']> {
  const json = JSON.stringify(value)
  return c.store(key, type, json, utf8Bytes(json), now, ttlMs)
}

describe('ResultCache', () => {
  test('a stored result is a hit for the same key and type; anything else is a miss', () => {
    const c = new ResultCache(1000)
    assert.equal(c.lookup('k', 'echo', 0), undefined)
    assert.deepEqual(put(c, 'k', { x: [1, 'é'] }), { stored: true, evicted: [] })
    assert.deepEqual(c.lookup('k', 'echo', 5), { value: { x: [1, 'é'] } })
    assert.equal(c.lookup('k', 'sha256', 5), undefined, 'the same key under another type is another result')
    assert.equal(c.lookup('other', 'echo', 5), undefined)
    const s = c.stats()
    assert.deepEqual([s.hits, s.misses, s.entries], [1, 3, 1])
  })

  test('a null result is cached like any other', () => {
    const c = new ResultCache(100)
    put(c, 'k', null)
    assert.deepEqual(c.lookup('k', 'echo', 0), { value: null })
  })

  test('bytes are the result JSON in UTF-8 plus the key, and go back down on replace', () => {
    const c = new ResultCache(1000)
    put(c, 'ab', 'é') // "é" in quotes: 4 bytes of UTF-8
    assert.equal(c.stats().bytes, 4 + 2)
    put(c, 'ab', 12345)
    assert.deepEqual([c.stats().bytes, c.stats().entries], [5 + 2, 1])
    assert.deepEqual(c.lookup('ab', 'echo', 0), { value: 12345 })
  })

  test('a hit returns a fresh copy: changing it does not change the cache', () => {
    const c = new ResultCache(1000)
    put(c, 'k', { list: [1, 2] })
    const first = c.lookup('k', 'echo', 0)?.value as { list: number[] }
    first.list.push(3)
    assert.deepEqual(c.lookup('k', 'echo', 0), { value: { list: [1, 2] } })
  })

  test('an entry expires at its time-to-live and counts as expired and as a miss', () => {
    const c = new ResultCache(1000)
    put(c, 'k', 1, 100, 50)
    assert.deepEqual(c.lookup('k', 'echo', 149), { value: 1 })
    assert.equal(c.lookup('k', 'echo', 150), undefined)
    const s = c.stats()
    assert.deepEqual([s.hits, s.misses, s.expired, s.entries, s.bytes], [1, 1, 1, 0, 0])
  })

  test('without a time-to-live an entry stays until evicted', () => {
    const c = new ResultCache(1000)
    put(c, 'k', 1, 0)
    assert.deepEqual(c.lookup('k', 'echo', Number.MAX_SAFE_INTEGER), { value: 1 })
  })

  test('storing past the bound evicts the least recently used entries first', () => {
    // Each entry: 1-byte key + 8-byte value ("xxxxxx" with quotes) = 9 bytes; 3 fit in 30.
    const c = new ResultCache(30)
    put(c, 'a', 'xxxxxx')
    put(c, 'b', 'xxxxxx')
    put(c, 'c', 'xxxxxx')
    assert.ok(c.lookup('a', 'echo', 0) !== undefined) // a is now the most recently used
    assert.deepEqual(put(c, 'd', 'xxxxxx'), { stored: true, evicted: ['b'] })
    assert.deepEqual(put(c, 'e', 'x'.repeat(13)), { stored: true, evicted: ['c', 'a'] })
    const s = c.stats()
    assert.deepEqual([s.entries, s.bytes, s.evictions], [2, 9 + 16, 3])
    assert.equal(c.lookup('b', 'echo', 0), undefined)
    assert.ok(c.lookup('d', 'echo', 0) !== undefined)
  })

  test('a result larger than the whole bound is not stored and evicts nothing', () => {
    const c = new ResultCache(20)
    put(c, 'a', 1)
    assert.deepEqual(put(c, 'big', 'x'.repeat(30)), { stored: false, evicted: [] })
    assert.deepEqual([c.stats().entries, c.stats().evictions], [1, 0])
  })

  test('a bound of 0 turns the cache off: nothing is stored, every lookup misses', () => {
    const c = new ResultCache(0)
    assert.deepEqual(put(c, 'k', 1), { stored: false, evicted: [] })
    assert.equal(c.lookup('k', 'echo', 0), undefined)
    assert.deepEqual(c.stats(), { maxBytes: 0, entries: 0, bytes: 0, hits: 0, misses: 1, evictions: 0, expired: 0 })
  })

  test('a negative or fractional bound is refused', () => {
    assert.throws(() => new ResultCache(-1), RangeError)
    assert.throws(() => new ResultCache(1.5), RangeError)
  })

  test('property: bytes stay within the bound, equal the sum of live entries, and hits return the latest value (model: a plain LRU)', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('store' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e'), value: fc.string({ maxLength: 40 }), ttl: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }) }),
      fc.record({ op: fc.constant('lookup' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
      fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 30 }) })
    )
    fc.assert(fc.property(fc.integer({ min: 0, max: 120 }), fc.array(op, { maxLength: 60 }), (maxBytes, ops) => {
      const c = new ResultCache(maxBytes)
      // The model: entries in use order (oldest first) with their value, size and expiry.
      let model: Array<{ key: string, value: string, bytes: number, expiresAt: number }> = []
      let now = 0
      for (const o of ops) {
        if (o.op === 'wait') {
          now += o.ms
        } else if (o.op === 'store') {
          const bytes = utf8Bytes(JSON.stringify(o.value)) + o.key.length
          const r = put(c, o.key, o.value, now, o.ttl)
          assert.equal(r.stored, bytes <= maxBytes)
          if (!r.stored) continue
          model = model.filter(e => e.key !== o.key)
          const evicted: string[] = []
          while (model.reduce((sum, e) => sum + e.bytes, 0) + bytes > maxBytes) evicted.push((model.shift() as { key: string }).key)
          assert.deepEqual(r.evicted, evicted)
          model.push({ key: o.key, value: o.value, bytes, expiresAt: o.ttl === undefined ? Infinity : now + o.ttl })
        } else {
          const got = c.lookup(o.key, 'echo', now)
          const entry = model.find(e => e.key === o.key)
          if (entry === undefined || now >= entry.expiresAt) {
            assert.equal(got, undefined)
            model = model.filter(e => e.key !== o.key)
          } else {
            assert.deepEqual(got, { value: entry.value })
            model = [...model.filter(e => e !== entry), entry]
          }
        }
        const s = c.stats()
        assert.ok(s.bytes <= maxBytes, `bytes ${s.bytes} over the bound ${maxBytes}`)
        assert.equal(s.bytes, model.reduce((sum, e) => sum + e.bytes, 0))
        assert.equal(s.entries, model.length)
      }
    }), { numRuns: 300 })
  })
})
