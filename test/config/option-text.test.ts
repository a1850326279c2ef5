import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { parseOptionText } from '../../src/config/option-text.js'

const word = fc.stringMatching(/^[A-Za-z0-9_.\/-]{1,20}$/)

test('comma lists come back item for item, trimmed, empties dropped', () => {
  fc.assert(fc.property(fc.array(word), items => {
    assert.deepEqual(parseOptionText('string-list', ` ${items.join(' , ')},, `), { ok: true, value: items })
  }))
})

test('name=value pairs round-trip, the last of a repeated name winning', () => {
  fc.assert(fc.property(fc.array(fc.tuple(word, word)), pairs => {
    const text = pairs.map(([k, v]) => `${k}=${v}`).join(',')
    assert.deepEqual(parseOptionText('string-map', text), { ok: true, value: Object.fromEntries(pairs) })
  }))
})

test('name=number pairs need numbers', () => {
  assert.deepEqual(parseOptionText('number-map', 'gpu=1, mem=0.5'), { ok: true, value: { gpu: 1, mem: 0.5 } })
  assert.deepEqual(parseOptionText('number-map', 'gpu=one'), { ok: false })
  assert.deepEqual(parseOptionText('number-map', 'gpu='), { ok: false })
  assert.deepEqual(parseOptionText('string-map', '=x'), { ok: false })
})

test('a __proto__ label stays an own property instead of vanishing', () => {
  const r = parseOptionText('string-map', '__proto__=x')
  assert.ok(r.ok)
  assert.deepEqual(Object.entries(r.value as object), [['__proto__', 'x']])
})

test('integers, numbers and booleans accept only their own syntax', () => {
  assert.deepEqual(parseOptionText('integer', ' 42 '), { ok: true, value: 42 })
  for (const t of ['4.2', '0x10', '', '1e3', 'abc']) assert.deepEqual(parseOptionText('integer', t), { ok: false }, t)
  assert.deepEqual(parseOptionText('number', '2.5'), { ok: true, value: 2.5 })
  for (const t of ['0x10', 'Infinity', '', 'NaN']) assert.deepEqual(parseOptionText('number', t), { ok: false }, t)
  assert.deepEqual(parseOptionText('boolean', 'True'), { ok: true, value: true })
  assert.deepEqual(parseOptionText('boolean', '0'), { ok: true, value: false })
  for (const t of ['yes', 'constructor', '']) assert.deepEqual(parseOptionText('boolean', t), { ok: false }, t)
})
