import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { bootstrapStep, conflictingVoterSets } from '../../src/core/election/bootstrap.js'
import { Election } from '../../src/core/election/election.js'
import { defaultElectionParams } from '../../src/core/election/params.js'
import type { ClusterClaim, NodeId } from '../../src/core/types.js'

const proposing = (proposal: NodeId[] | null, epoch = 0): ClusterClaim => ({ voters: null, proposal, epoch, master: null })
const reporting = (voters: NodeId[], epoch = 0): ClusterClaim => ({ voters, proposal: null, epoch, master: null })
const view = (self: NodeId, claims: Record<NodeId, ClusterClaim>, expect = 3) =>
  ({ self, expect, claims: new Map(Object.entries(claims)), alive: Object.keys(claims) })

describe('bootstrap rule', () => {
  test('fewer members than expected: no proposal yet', () => {
    assert.deepEqual(bootstrapStep(view('b', { a: proposing(null) })), { kind: 'proposing', proposal: null })
  })

  test('enough members: propose the N lowest ids, sorted', () => {
    assert.deepEqual(bootstrapStep(view('d', { c: proposing(null), a: proposing(null), b: proposing(null) })),
      { kind: 'proposing', proposal: ['a', 'b', 'c'] })
  })

  test('agreed once every proposed id is seen proposing exactly that set', () => {
    const abc = ['a', 'b', 'c']
    assert.equal(bootstrapStep(view('a', { b: proposing(abc), c: proposing(['a', 'b']) })).kind, 'proposing')
    assert.deepEqual(bootstrapStep(view('a', { b: proposing(abc), c: proposing(['c', 'b', 'a']) })),
      { kind: 'agreed', voters: abc, version: 0, via: 'proposal', alternatives: [] })
  })

  test('4 nodes with expect 3: the lowest three are voters and the fourth agrees it is a worker', () => {
    const abc = ['a', 'b', 'c']
    const all = { a: proposing(abc), b: proposing(abc), c: proposing(abc), d: proposing(abc) }
    for (const self of ['a', 'b', 'c', 'd']) {
      const others = Object.fromEntries(Object.entries(all).filter(([id]) => id !== self))
      assert.deepEqual(bootstrapStep(view(self, others)), { kind: 'agreed', voters: abc, version: 0, via: 'proposal', alternatives: [] })
    }
  })

  test('a member still proposing another set holds the agreement back', () => {
    const abc = ['a', 'b', 'c']
    assert.equal(bootstrapStep(view('a', { b: proposing(abc), c: proposing(abc), d: proposing(['b', 'c', 'd']) })).kind, 'proposing')
    // A member that has not proposed yet (its view is too small) does not.
    assert.equal(bootstrapStep(view('a', { b: proposing(abc), c: proposing(abc), d: proposing(null) })).kind, 'agreed')
  })

  test('a reported agreed set is adopted, even by a late joiner that would propose differently', () => {
    const r = bootstrapStep(view('a', { b: reporting(['b', 'c', 'd']), c: reporting(['b', 'c', 'd']), d: proposing(null) }))
    assert.deepEqual(r, { kind: 'agreed', voters: ['b', 'c', 'd'], version: 0, via: 'adopted', alternatives: [] })
  })

  test('several reported sets: the most reported wins, ties go to the lexicographically smallest', () => {
    const most = bootstrapStep(view('x', { a: reporting(['c', 'd', 'e']), b: reporting(['c', 'd', 'e']), c: reporting(['a', 'b', 'c']) }))
    assert.deepEqual(most, { kind: 'agreed', voters: ['c', 'd', 'e'], version: 0, via: 'adopted', alternatives: [['a', 'b', 'c']] })
    const tie = bootstrapStep(view('x', { a: reporting(['b', 'c', 'd']), b: reporting(['a', 'b', 'd']) }))
    assert.deepEqual(tie, { kind: 'agreed', voters: ['a', 'b', 'd'], version: 0, via: 'adopted', alternatives: [['b', 'c', 'd']] })
  })

  test('replaced voter sets: the newest version wins over an older one reported by more members', () => {
    const v2 = { ...reporting(['a', 'b', 'x']), configVersion: 2 }
    const r = bootstrapStep(view('z', { a: v2, c: reporting(['a', 'b', 'c']), d: reporting(['a', 'b', 'c']) }))
    assert.deepEqual(r, { kind: 'agreed', voters: ['a', 'b', 'x'], version: 2, via: 'adopted', alternatives: [['a', 'b', 'c']] })
  })

  test('claims of members that are not alive are ignored', () => {
    const v = { self: 'a', expect: 3, claims: new Map([['b', reporting(['b', 'c', 'd'])]]), alive: [] }
    assert.deepEqual(bootstrapStep(v), { kind: 'proposing', proposal: null })
  })

  test('conflicting agreed sets are listed, with who reports them', () => {
    assert.deepEqual(conflictingVoterSets(view('a', { b: reporting(['a', 'b', 'c']), d: reporting(['d', 'b', 'c']) }), ['a', 'b', 'c']),
      [{ reportedBy: 'd', theirs: ['b', 'c', 'd'] }])
  })

  test('a different set at another version is no conflict: one of the two has not heard of a replacement yet', () => {
    const claims = { b: { ...reporting(['a', 'b', 'x']), configVersion: 2 }, d: { ...reporting(['a', 'b', 'y']), configVersion: 2 } }
    assert.deepEqual(conflictingVoterSets(view('a', claims), ['a', 'b', 'c'], 0), [])
    assert.deepEqual(conflictingVoterSets(view('a', claims), ['a', 'b', 'x'], 2), [{ reportedBy: 'd', theirs: ['a', 'b', 'y'] }])
  })

  test('deterministic: the outcome does not depend on the order claims arrive in', () => {
    const ids = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1, maxLength: 6 })
    const claim = fc.oneof(
      fc.constant(proposing(null)),
      ids.map(p => proposing([...p].sort())),
      ids.map(v => reporting([...v].sort()))
    )
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), claim), fc.integer({ min: 1, max: 5 }), (claims, expect) => {
      const entries = Object.entries(claims).filter(([id]) => id !== 'f')
      const forward = { self: 'f', expect, claims: new Map(entries), alive: entries.map(([id]) => id) }
      const backward = { self: 'f', expect, claims: new Map([...entries].reverse()), alive: entries.map(([id]) => id).reverse() }
      assert.deepEqual(bootstrapStep(forward), bootstrapStep(backward))
    }))
  })
})

describe('bootstrap through the election', () => {
  const P = { ...defaultElectionParams }

  test('voters agree, persist the set and a late joiner becomes a worker that never campaigns', () => {
    const abc = ['a', 'b', 'c']
    const a = new Election('a', P, { next: () => 0 }, 0)
    a.observeClaims(new Map([['b', proposing(abc)], ['c', proposing(abc)]]), ['b', 'c'], 0)
    const r = a.ready()
    assert.deepEqual(r.events, [{ type: 'voters-agreed', voters: abc, via: 'proposal', alternatives: [] }])
    assert.deepEqual(r.persist?.voters, abc)
    a.advance()

    const late = new Election('z', P, { next: () => 0 }, 0)
    late.observeClaims(new Map([['a', reporting(abc)], ['b', reporting(abc)]]), ['a', 'b'], 10)
    assert.deepEqual(late.status(10).voters, abc)
    assert.equal(late.status(10).role, 'worker')
    late.advance()
    for (let t = 0; t < 5000; t += 10) late.tick(t)
    assert.deepEqual(late.ready().messages, [], 'a worker never campaigns')
  })

  test('before agreement the claim carries the proposal; after, the voter set', () => {
    const d = new Election('d', P, { next: () => 0 }, 0)
    d.observeClaims(new Map([['a', proposing(null)], ['b', proposing(null)]]), ['a', 'b'], 0)
    assert.deepEqual(d.claim(), { voters: null, proposal: ['a', 'b', 'd'], epoch: 0, master: null })
    d.observeClaims(new Map([['a', proposing(['a', 'b', 'd'])], ['b', proposing(['a', 'b', 'd'])]]), ['a', 'b'], 10)
    assert.deepEqual(d.claim(), { voters: ['a', 'b', 'd'], proposal: null, epoch: 0, master: null })
  })

  test('a node joining after a replacement adopts the replaced set with its version, and says so in its claim', () => {
    const late = new Election('z', P, { next: () => 0 }, 0)
    const v2 = { ...reporting(['a', 'b', 'x']), configVersion: 2 }
    late.observeClaims(new Map([['a', v2], ['b', v2]]), ['a', 'b'], 10)
    assert.deepEqual([late.status(10).voters, late.status(10).configVersion], [['a', 'b', 'x'], 2])
    assert.equal(late.claim().configVersion, 2)
  })

  test('claims teach every node the highest term', () => {
    const d = new Election('d', P, { next: () => 0 }, 0)
    d.observeClaims(new Map([['a', proposing(null, 7)]]), ['a'], 0)
    assert.equal(d.highestSeenTerm, 7)
    assert.deepEqual(d.ready().events.filter(e => e.type === 'term-advanced'), [{ type: 'term-advanced', from: 0, to: 7 }])
  })

  test('joining as a voter of a cluster that has already elected: quarantined for a lease', () => {
    const abc = ['a', 'b', 'c']
    const a = new Election('a', P, { next: () => 0 }, 0)
    a.observeClaims(new Map([['b', reporting(abc, 4)], ['c', reporting(abc, 4)]]), ['b', 'c'], 100)
    assert.equal(a.status(100).quarantineRemainingMs, P.leaseMs, 'it may have promised something before losing its disk')
    const fresh = new Election('a', P, { next: () => 0 }, 0)
    fresh.observeClaims(new Map([['b', reporting(abc, 0)], ['c', reporting(abc, 0)]]), ['b', 'c'], 100)
    assert.equal(fresh.status(100).quarantineRemainingMs, 0, 'a new cluster has nothing to wait for')
  })

  test('a different voter set reported by another member is reported once', () => {
    const abc = ['a', 'b', 'c']
    const a = new Election('a', P, { next: () => 0 }, 0)
    a.observeClaims(new Map([['b', proposing(abc)], ['c', proposing(abc)]]), ['b', 'c'], 0)
    a.advance()
    for (const t of [10, 20]) a.observeClaims(new Map([['x', reporting(['x', 'y', 'z'])]]), ['x'], t)
    assert.deepEqual(a.ready().events, [{ type: 'voters-conflict', ours: abc, theirs: ['x', 'y', 'z'], reportedBy: 'x' }])
    assert.deepEqual(a.status(20).voters, abc, 'an agreed set never changes')
  })
})
