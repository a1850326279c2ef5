import { test } from 'node:test'
import assert from 'node:assert/strict'
import { seededRng, randomInt } from '../../src/core/random.js'

test('seededRng replays the same sequence from the same seed', () => {
  const a = seededRng(42)
  const b = seededRng(42)
  const c = seededRng(43)
  const sa = Array.from({ length: 5 }, () => a.next())
  const sb = Array.from({ length: 5 }, () => b.next())
  const sc = Array.from({ length: 5 }, () => c.next())
  assert.deepEqual(sa, sb)
  assert.notDeepEqual(sa, sc)
  for (const x of sa) assert.ok(x >= 0 && x < 1)
})

test('randomInt stays within bounds', () => {
  const r = seededRng(1)
  for (let i = 0; i < 1000; i++) {
    const v = randomInt(r, 3, 7)
    assert.ok(v >= 3 && v <= 7 && Number.isInteger(v))
  }
})
