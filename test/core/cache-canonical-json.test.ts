import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { canonicalJson } from '../../src/core/cache/canonical-json.js'
import type { JsonValue } from '../../src/core/tasks/types.js'

/** The same object with its keys inserted in reverse order, all the way down. */
function reversed (value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(reversed)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, JsonValue> = {}
  for (const key of Object.keys(value).reverse()) Object.defineProperty(out, key, { value: reversed(value[key] as JsonValue), enumerable: true })
  return out
}

describe('canonicalJson', () => {
  test('sorts object keys at every depth and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}')
    assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]))
  })

  test('keeps a "__proto__" key as data', () => {
    const value = JSON.parse('{"__proto__":{"x":1},"a":2}') as JsonValue
    assert.equal(canonicalJson(value), '{"__proto__":{"x":1},"a":2}')
  })

  test('scalars are plain JSON', () => {
    assert.equal(canonicalJson(null), 'null')
    assert.equal(canonicalJson('s'), '"s"')
    assert.equal(canonicalJson(1.5), '1.5')
  })

  test('property: key order never changes the text, and the text parses back to an equal value', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const value = v as JsonValue
      const text = canonicalJson(value)
      assert.equal(canonicalJson(reversed(value)), text)
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)))
    }), { numRuns: 300 })
  })
})
