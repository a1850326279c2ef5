import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { nextVoterChange, VoterWatch, type AutopilotView } from '../../src/core/election/autopilot.js'
import type { MemberHealth } from '../../src/core/election/types.js'

const LIMIT = 2000
const MIN_ALIVE = 300

/** Master a of voters a, b, c; c dead since `deadSince`; workers alive since 0 unless told. */
function view (over: Partial<AutopilotView> & { dead?: Record<string, number>, health?: Record<string, MemberHealth> } = {}): AutopilotView {
  const dead = over.dead ?? { c: 0 }
  const health = new Map<string, MemberHealth>(Object.entries(over.health ?? { x: { state: 'alive', since: 0 }, y: { state: 'alive', since: 0 } }))
  return {
    self: 'a',
    now: 5000,
    voters: ['a', 'b', 'c'],
    expect: 3,
    replaceDeadVoterAfterMs: LIMIT,
    promoteAfterAliveMs: MIN_ALIVE,
    members: health,
    downSince: id => dead[id] ?? null,
    bootstrapped: () => true,
    ...over
  }
}

describe('which voter change comes next', () => {
  test('a voter dead long enough is replaced by the lowest-id healthy worker: add first', () => {
    assert.deepEqual(nextVoterChange(view()), { op: 'add', voter: 'x', replacing: 'c', reason: 'replaces c, dead for 5000 ms (replaceDeadVoterAfterMs 2000)' })
  })

  test('once the replacement is in (one voter over), the dead voter is removed', () => {
    assert.deepEqual(nextVoterChange(view({ voters: ['a', 'b', 'c', 'x'] })),
      { op: 'remove', voter: 'c', reason: 'dead for 5000 ms (replaceDeadVoterAfterMs 2000)' })
  })

  test('not before replaceDeadVoterAfterMs', () => {
    assert.equal(nextVoterChange(view({ dead: { c: 5000 - LIMIT + 1 } })), null)
    assert.equal(nextVoterChange(view({ dead: { c: 5000 - LIMIT } }))?.op, 'add')
  })

  test('never a suspect, dead, unbootstrapped or just-arrived worker; nothing to do without a healthy one', () => {
    const health: Record<string, MemberHealth> = {
      w: { state: 'suspect', since: 0 },
      x: { state: 'dead', since: 0 },
      y: { state: 'alive', since: 5000 - MIN_ALIVE + 1 },
      z: { state: 'alive', since: 0 }
    }
    assert.equal(nextVoterChange(view({ health, bootstrapped: id => id !== 'z' })), null)
    assert.equal(nextVoterChange(view({ health }))?.voter, 'z')
  })

  test('the longest-dead voter goes first; a full set (15 voters) does not grow', () => {
    const change = nextVoterChange(view({ voters: ['a', 'b', 'c', 'd', 'e'], expect: 5, dead: { c: 100, d: 50 } }))
    assert.equal(change?.op === 'add' && change.replacing, 'd')
    const full = Array.from({ length: 15 }, (_, i) => `v${String(i).padStart(2, '0')}`)
    assert.equal(nextVoterChange(view({ self: 'v00', voters: full, expect: 15, dead: { v14: 0 } })), null)
  })

  test('property: a change never removes below expect, never adds a voter or a non-alive member', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g']
    const health = fc.dictionary(fc.constantFrom(...ids),
      fc.record({ state: fc.constantFrom('alive' as const, 'suspect' as const, 'dead' as const), since: fc.integer({ min: 0, max: 5000 }) }))
    fc.assert(fc.property(
      fc.uniqueArray(fc.constantFrom(...ids), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 5 }), health,
      fc.dictionary(fc.constantFrom(...ids), fc.integer({ min: 0, max: 5000 })),
      (voters, expect, members, dead) => {
        const v = view({ self: voters[0]!, voters: voters.sort(), expect, members: new Map(Object.entries(members)), downSince: id => dead[id] ?? null })
        const change = nextVoterChange(v)
        if (change === null) return
        if (change.op === 'remove') {
          assert.ok(voters.length > expect, 'removes only above expect')
          assert.ok(change.voter !== v.self && dead[change.voter] !== undefined && v.now - dead[change.voter]! >= LIMIT)
        } else {
          assert.ok(!voters.includes(change.voter))
          assert.equal(members[change.voter]?.state, 'alive')
          assert.ok(v.now - members[change.voter]!.since >= MIN_ALIVE)
        }
      }))
  })
})

describe('watching voters go down', () => {
  test('dead per membership since when it said; never heard of: since first missed; a grant proves it alive', () => {
    const w = new VoterWatch()
    const voters = ['a', 'b', 'c', 'd']
    w.observe(voters, 'a', new Map<string, MemberHealth>([['b', { state: 'alive', since: 0 }], ['c', { state: 'dead', since: 100 }]]), 1000)
    assert.equal(w.since('b', undefined), null)
    assert.equal(w.since('c', undefined), 100)
    assert.equal(w.since('d', undefined), 1000, 'absent from membership: counted from when first missed')
    assert.equal(w.since('c', 400), 400, 'it granted us something at 400')
    w.observe(voters, 'a', new Map<string, MemberHealth>([['c', { state: 'suspect', since: 2000 }], ['d', { state: 'dead', since: 1500 }]]), 2100)
    assert.equal(w.since('c', undefined), null, 'a suspect voter is not dead')
    assert.equal(w.since('d', undefined), 1000, 'the earliest known time down stays')
    assert.equal(w.anyDown, true)
    w.observe(['a', 'b'], 'a', new Map(), 2200)
    assert.equal(w.since('d', undefined), null, 'no longer a voter: forgotten')
  })
})
