import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  applyChange, checkKnowledge, checkPersistedConfig, compareEntries, lastEntry, mergeKnowledge
} from '../../src/core/election/config.js'
import { describeEvent, describeMessage } from '../../src/core/election/describe.js'
import type { ConfigKnowledge, VoterConfig } from '../../src/core/election/types.js'

const cfg = (version: number, term: number, voters: string[]): VoterConfig => ({ version, term, voters })
const k = (committed: VoterConfig, pending: VoterConfig | null = null): ConfigKnowledge => ({ committed, pending })
const ABC = ['a', 'b', 'c']
const ABCX = ['a', 'b', 'c', 'x']
const ABX = ['a', 'b', 'x']

describe('voter configuration order', () => {
  test('entries order by proposing term first, then version (Raft\'s up-to-date rule)', () => {
    assert.ok(compareEntries({ term: 5, version: 1 }, { term: 4, version: 9 }) > 0)
    assert.ok(compareEntries({ term: 5, version: 2 }, { term: 5, version: 1 }) > 0)
    assert.equal(compareEntries({ term: 5, version: 2 }, { term: 5, version: 2 }), 0)
  })

  test('a node\'s last entry is its change in flight, else its committed set', () => {
    assert.deepEqual(lastEntry(k(cfg(0, 0, ABC))), cfg(0, 0, ABC))
    assert.deepEqual(lastEntry(k(cfg(0, 0, ABC), cfg(1, 3, ABCX))), cfg(1, 3, ABCX))
  })

  test('one change adds or removes one voter and keeps the set sorted', () => {
    assert.deepEqual(applyChange(['b', 'c'], { op: 'add', voter: 'a', replacing: 'c', reason: '' }), ['a', 'b', 'c'])
    assert.deepEqual(applyChange(ABCX, { op: 'remove', voter: 'c', reason: '' }), ABX)
  })
})

describe('learning a configuration', () => {
  test('a later change in flight is taken, an older one is not', () => {
    const ours = k(cfg(0, 0, ABC))
    const theirs = k(cfg(0, 0, ABC), cfg(1, 3, ABCX))
    assert.deepEqual(mergeKnowledge(ours, theirs), theirs)
    assert.equal(mergeKnowledge(theirs, ours), null, 'nothing to learn from an older configuration')
  })

  test('a change seen committed elsewhere is committed here, keeping the latest stamp', () => {
    const ours = k(cfg(0, 0, ABC), cfg(1, 7, ABCX))
    assert.deepEqual(mergeKnowledge(ours, k(cfg(1, 5, ABCX))), k(cfg(1, 7, ABCX)))
  })

  test('a stale change in flight is replaced by a later one for the same version', () => {
    const ours = k(cfg(0, 0, ABC), cfg(1, 3, ['a', 'b', 'c', 'y']))
    assert.deepEqual(mergeKnowledge(ours, k(cfg(0, 0, ABC), cfg(1, 6, ABCX))), k(cfg(0, 0, ABC), cfg(1, 6, ABCX)))
  })

  test('two different sets for one version are never learned', () => {
    const ours = k(cfg(0, 0, ABC), cfg(1, 7, ABCX))
    assert.equal(mergeKnowledge(ours, k(cfg(1, 5, ['a', 'b', 'c', 'y']))), null)
  })

  test('property: learning never moves a node back, and learning twice changes nothing more', () => {
    // Knowledge along one history: bootstrap abc, add x (term 3), remove c (term 5), with stale stamps.
    const history: ConfigKnowledge[] = [
      k(cfg(0, 0, ABC)), k(cfg(0, 0, ABC), cfg(1, 2, ABCX)), k(cfg(0, 0, ABC), cfg(1, 3, ABCX)),
      k(cfg(1, 3, ABCX)), k(cfg(1, 3, ABCX), cfg(2, 5, ABX)), k(cfg(2, 5, ABX)), k(cfg(1, 4, ABCX))
    ]
    const any = fc.constantFrom(...history)
    fc.assert(fc.property(any, any, (ours, theirs) => {
      const merged = mergeKnowledge(ours, theirs) ?? ours
      assert.ok(compareEntries(lastEntry(merged), lastEntry(ours)) >= 0)
      assert.ok(merged.committed.version >= ours.committed.version)
      assert.equal(checkKnowledge(merged), null)
      assert.equal(mergeKnowledge(merged, theirs), null, 'idempotent')
    }))
  })
})

describe('checking configuration from peers and disk', () => {
  test('sound knowledge passes; every broken rule is named', () => {
    assert.equal(checkKnowledge(k(cfg(1, 3, ABCX), cfg(2, 5, ABX))), null)
    assert.match(checkKnowledge(k(cfg(1, 3, ABCX), cfg(3, 5, ABX))) ?? '', /pending.version must be committed.version \+ 1/)
    assert.match(checkKnowledge(k(cfg(1, 3, ABCX), cfg(2, 2, ABX))) ?? '', /older than committed.term/)
    assert.match(checkKnowledge(k(cfg(1, 3, ABC), cfg(2, 5, ['a', 'x', 'y']))) ?? '', /exactly one voter/)
    assert.match(checkKnowledge(k(cfg(1, 3, ['b', 'a']))) ?? '', /sorted and unique/)
    assert.match(checkKnowledge(k(cfg(-1, 3, ABC))) ?? '', /version must be an integer/)
    assert.match(checkKnowledge(k(cfg(1, 3, Array.from({ length: 16 }, (_, i) => `n${i + 10}`)))) ?? '', /1 to 15 ids/)
  })

  test('persisted state: older files without configuration fields are the bootstrap set', () => {
    assert.equal(checkPersistedConfig({ voters: ABC }), null)
    assert.equal(checkPersistedConfig({ voters: null }), null)
    assert.equal(checkPersistedConfig({ voters: ABX, configVersion: 2, configTerm: 5, pending: null }), null)
    assert.match(checkPersistedConfig({ voters: ABC, configVersion: 0, pending: { version: 1, term: 3, voters: 'x' } }) ?? '', /pending must be null or/)
    assert.match(checkPersistedConfig({ voters: ABC, configVersion: '1' }) ?? '', /integers/)
    assert.match(checkPersistedConfig({ voters: null, configVersion: 2 }) ?? '', /without a voter set/)
  })
})

describe('describing voter changes', () => {
  test('events and configuration-carrying messages render as single lines', () => {
    assert.deepEqual([
      describeEvent({ type: 'config-proposed', version: 1, change: 'add', voter: 'x', reason: 'replaces c, dead for 61000 ms' }),
      describeEvent({ type: 'voter-added', voter: 'x', configVersion: 1, voters: ABCX }),
      describeEvent({ type: 'voter-removed', voter: 'c', configVersion: 2, voters: ABX, reason: 'dead for 62000 ms' }),
      describeMessage({ kind: 'lease-request', term: 4, candidate: 'a', reqId: 2, config: k(cfg(0, 0, ABC), cfg(1, 4, ABCX)) }),
      describeMessage({ kind: 'master-announce', term: 4, master: 'a', leaseRemainingMs: 900, config: cfg(1, 4, ABCX) })
    ], [
      'proposed voter set 1: add x (replaces c, dead for 61000 ms)',
      'voter x added: voter set 1 is [a,b,c,x]',
      'voter c removed (dead for 62000 ms): voter set 2 is [a,b,x]',
      'lease-request term=4 candidate=a req=2 voters=v0@0[a,b,c] pending=v1@4[a,b,c,x]',
      'master-announce term=4 master=a lease=900ms voters=v1@4[a,b,c,x]'
    ])
  })
})
