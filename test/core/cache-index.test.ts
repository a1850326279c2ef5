import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CacheIndex } from '../../src/core/cache/cache-index.js'

describe('CacheIndex', () => {
  test('knows every holder of a key, sorted, until it evicts the key or leaves', () => {
    const idx = new CacheIndex()
    idx.add('k', 'w2', Infinity)
    idx.add('k', 'w1', Infinity)
    idx.add('j', 'w2', Infinity)
    assert.deepEqual(idx.holders('k', 0), ['w1', 'w2'])
    assert.deepEqual(idx.stats(), { keys: 2, holdings: 3 })
    assert.deepEqual([idx.has('k', 'w1'), idx.has('j', 'w1'), idx.has('x', 'w1')], [true, false, false])
    idx.remove('k', 'w1')
    assert.deepEqual(idx.holders('k', 0), ['w2'])
    idx.dropNode('w2')
    assert.deepEqual(idx.holders('k', 0), [])
    assert.deepEqual(idx.holders('j', 0), [])
    assert.deepEqual(idx.stats(), { keys: 0, holdings: 0 })
  })

  test('adding the same holder twice counts once and takes the later expiry', () => {
    const idx = new CacheIndex()
    idx.add('k', 'w1', 10)
    idx.add('k', 'w1', 100)
    assert.deepEqual(idx.stats(), { keys: 1, holdings: 1 })
    assert.deepEqual(idx.holders('k', 50), ['w1'])
  })

  test('an expired holding is dropped when the key is looked up', () => {
    const idx = new CacheIndex()
    idx.add('k', 'w1', 100)
    idx.add('k', 'w2', 200)
    assert.deepEqual(idx.holders('k', 100), ['w2'])
    assert.deepEqual(idx.stats(), { keys: 1, holdings: 1 })
    assert.deepEqual(idx.holders('k', 200), [])
    assert.deepEqual(idx.stats(), { keys: 0, holdings: 0 })
  })

  test('removing what is not there changes nothing', () => {
    const idx = new CacheIndex()
    idx.add('k', 'w1', Infinity)
    idx.remove('k', 'w9')
    idx.remove('nope', 'w1')
    idx.dropNode('w9')
    assert.deepEqual(idx.holders('k', 0), ['w1'])
    assert.deepEqual(idx.stats(), { keys: 1, holdings: 1 })
  })

  test('past maxKeys the least recently added key is forgotten, with all its holders', () => {
    const idx = new CacheIndex(2)
    idx.add('a', 'w1', Infinity)
    idx.add('a', 'w2', Infinity)
    idx.add('b', 'w1', Infinity)
    idx.add('a', 'w3', Infinity) // refreshes a: b is now the oldest
    idx.add('c', 'w1', Infinity)
    assert.deepEqual(idx.holders('b', 0), [])
    assert.deepEqual(idx.holders('a', 0), ['w1', 'w2', 'w3'])
    assert.deepEqual(idx.holders('c', 0), ['w1'])
    assert.deepEqual(idx.stats(), { keys: 2, holdings: 4 })
    // The forgotten key left no trace under its node: dropping w1 leaves only a's other holders.
    idx.dropNode('w1')
    assert.deepEqual(idx.stats(), { keys: 1, holdings: 2 })
  })
})
