import { test, describe as suite } from 'node:test'
import assert from 'node:assert/strict'
import { MembershipView } from '../../src/core/membership/view.js'
import { defaultMembershipParams, validateMembershipParams } from '../../src/core/membership/params.js'
import { compareOrder, type Heartbeat } from '../../src/core/membership/heartbeat.js'
import { describe } from '../../src/core/membership/describe.js'

const params = { suspectMs: 1500, deadMs: 3000, forgetMs: 60_000 }
const SELF = 'Self'

function hb (id: string, incarnation: number, seq: number, patch: Partial<Heartbeat> = {}): Heartbeat {
  return {
    id,
    incarnation,
    seq,
    version: '0.1.0',
    addrs: ['/ip4/127.0.0.1/tcp/4001'],
    role: 'worker',
    capacity: { slots: 4, cpus: 2, memTotalBytes: 1000, memFreeBytes: 500, resources: { gpu: 1 }, labels: { zone: 'lab' } },
    load: { running: 0, queued: 0, eventLoopDelayMs: 1, loadAvg1: 0.5 },
    handlers: ['echo'],
    cluster: { voters: null, proposal: ['A', 'B'], epoch: 0, master: null },
    ...patch
  }
}

function newView (): MembershipView {
  return new MembershipView(SELF, params)
}

/** Feeds a heartbeat from its own author and returns the timeline lines. */
function beat (view: MembershipView, h: Heartbeat, now: number): string[] {
  const outcome = view.onHeartbeat(h.id, h, now)
  assert.ok(outcome.accepted, `heartbeat ${h.id}/${h.incarnation}/${h.seq} at ${now} should be accepted`)
  return describe(outcome.events)
}

suite('membership params', () => {
  test('defaults are valid and match the documented timings', () => {
    assert.deepEqual(validateMembershipParams(defaultMembershipParams), [])
    assert.deepEqual({ ...defaultMembershipParams }, { suspectMs: 1500, deadMs: 3000, forgetMs: 600_000 })
  })

  test('problems are listed, and the view refuses them', () => {
    const problems = validateMembershipParams({ suspectMs: 3000, deadMs: 3000, forgetMs: -1 })
    assert.equal(problems.length, 2)
    assert.match(problems.join('\n'), /forgetMs must be a positive/)
    assert.match(problems.join('\n'), /suspectMs \(3000\) must be < deadMs \(3000\)/)
    assert.deepEqual(validateMembershipParams({ suspectMs: NaN, deadMs: 10, forgetMs: 10 }).length, 2)
    assert.throws(() => new MembershipView(SELF, { suspectMs: 10, deadMs: 5, forgetMs: 1 }), RangeError)
  })
})

suite('message order', () => {
  test('incarnation dominates seq', () => {
    assert.ok(compareOrder({ incarnation: 2, seq: 0 }, { incarnation: 1, seq: 99 }) > 0)
    assert.ok(compareOrder({ incarnation: 1, seq: 3 }, { incarnation: 1, seq: 4 }) < 0)
    assert.equal(compareOrder({ incarnation: 1, seq: 3 }, { incarnation: 1, seq: 3 }), 0)
  })
})

suite('membership view', () => {
  test('a first heartbeat joins the member as alive', () => {
    const view = newView()
    assert.deepEqual(beat(view, hb('A', 1, 0), 100), ['t=100 join A incarnation=1'])
    const a = view.get('A')
    assert.ok(a !== undefined)
    assert.equal(a.state, 'alive')
    assert.equal(a.lastSeenAt, 100)
    assert.equal(a.since, 100)
    assert.equal(a.deadReason, undefined)
    assert.deepEqual(a.heartbeat, hb('A', 1, 0))
    assert.equal(view.size, 1)
  })

  test('suspect exactly at suspectMs of silence, not a millisecond earlier', () => {
    const view = newView()
    beat(view, hb('A', 1, 0), 0)
    assert.deepEqual(view.tick(1499), [])
    assert.equal(view.get('A')?.state, 'alive')
    assert.deepEqual(describe(view.tick(1500)), ['t=1500 suspect A last-seen=0'])
    assert.equal(view.get('A')?.state, 'suspect')
    assert.equal(view.get('A')?.since, 1500)
    assert.deepEqual(view.tick(1600), [], 'no repeated suspect event')
  })

  test('dead at deadMs of silence, with reason timeout', () => {
    const view = newView()
    beat(view, hb('A', 1, 0), 0)
    view.tick(1500)
    assert.deepEqual(view.tick(2999), [])
    assert.deepEqual(describe(view.tick(3000)), ['t=3000 dead A reason=timeout'])
    const a = view.get('A')
    assert.equal(a?.state, 'dead')
    assert.equal(a?.deadReason, 'timeout')
    assert.equal(a?.since, 3000)
    assert.deepEqual(view.alive(), [])
    assert.equal(view.size, 1, 'dead members stay in the view until forgotten')
  })

  test('a late tick reports suspect then dead for the same member', () => {
    const view = newView()
    beat(view, hb('A', 1, 0), 0)
    assert.deepEqual(describe(view.tick(5000)), ['t=5000 suspect A last-seen=0', 't=5000 dead A reason=timeout'])
  })

  test('a heartbeat from a suspect recovers it', () => {
    const view = newView()
    beat(view, hb('A', 1, 0), 0)
    view.tick(2000)
    assert.deepEqual(beat(view, hb('A', 1, 1), 2100), ['t=2100 recover A from=suspect'])
    const a = view.get('A')
    assert.equal(a?.state, 'alive')
    assert.equal(a?.since, 2100)
    assert.deepEqual(view.tick(3000), [], 'silence now counts from the recovery heartbeat')
    assert.deepEqual(describe(view.tick(3600)), ['t=3600 suspect A last-seen=2100'])
  })

  test('a restarted member (larger incarnation, seq back to 0) recovers from dead', () => {
    const view = newView()
    beat(view, hb('A', 1, 7), 0)
    view.tick(3000)
    assert.deepEqual(beat(view, hb('A', 2, 0), 4000), [
      't=4000 recover A from=dead restarted',
      't=4000 restart A incarnation=1->2'
    ])
    const a = view.get('A')
    assert.equal(a?.state, 'alive')
    assert.equal(a?.incarnation, 2)
    assert.equal(a?.seq, 0)
    assert.equal(a?.deadReason, undefined)
  })

  test('a dead member resumes on a newer seq of the same incarnation without restart', () => {
    const view = newView()
    beat(view, hb('A', 1, 0), 0)
    view.tick(3000)
    assert.deepEqual(beat(view, hb('A', 1, 1), 3100), ['t=3100 recover A from=dead'])
  })

  test('a restart noticed while alive is still reported', () => {
    const view = newView()
    beat(view, hb('A', 1, 5), 0)
    assert.deepEqual(beat(view, hb('A', 2, 0), 400), ['t=400 restart A incarnation=1->2'])
  })

  test('stale seq, duplicate and older incarnation are ignored without moving the view', () => {
    const view = newView()
    beat(view, hb('A', 2, 5), 0)
    const before = view.get('A')
    assert.deepEqual(view.onHeartbeat('A', hb('A', 2, 4), 100), { accepted: false, reason: 'stale' })
    assert.deepEqual(view.onHeartbeat('A', hb('A', 2, 5, { role: 'voter' }), 100), { accepted: false, reason: 'duplicate' })
    assert.deepEqual(view.onHeartbeat('A', hb('A', 1, 99), 100), { accepted: false, reason: 'stale' })
    assert.deepEqual(view.get('A'), before)
    assert.equal(view.get('A')?.lastSeenAt, 0, 'ignored heartbeats are no proof of life')
    assert.deepEqual(describe(view.tick(1500)), ['t=1500 suspect A last-seen=0'])
  })

  test('a heartbeat whose id is not its author is forged and changes nothing', () => {
    const view = newView()
    beat(view, hb('A', 1, 0), 0)
    const before = view.members()
    assert.deepEqual(view.onHeartbeat('B', hb('A', 1, 1), 100), { accepted: false, reason: 'forged' })
    assert.deepEqual(view.onHeartbeat('B', hb('C', 1, 0), 100), { accepted: false, reason: 'forged' })
    assert.deepEqual(view.onLeave('B', { id: 'A', incarnation: 1, seq: 1 }, 100), { accepted: false, reason: 'forged' })
    assert.deepEqual(view.members(), before)
    assert.equal(view.get('C'), undefined)
  })

  test('our own heartbeats and leaves are ignored', () => {
    const view = newView()
    assert.deepEqual(view.onHeartbeat(SELF, hb(SELF, 1, 0), 0), { accepted: false, reason: 'self' })
    assert.deepEqual(view.onLeave(SELF, { id: SELF, incarnation: 1, seq: 1 }, 0), { accepted: false, reason: 'self' })
    assert.equal(view.size, 0)
  })

  test('a leave marks the member dead at once with reason left', () => {
    const view = newView()
    beat(view, hb('A', 1, 3), 0)
    const outcome = view.onLeave('A', { id: 'A', incarnation: 1, seq: 4 }, 200)
    assert.ok(outcome.accepted)
    assert.deepEqual(describe(outcome.events), ['t=200 dead A reason=left'])
    const a = view.get('A')
    assert.equal(a?.state, 'dead')
    assert.equal(a?.deadReason, 'left')
    assert.equal(a?.since, 200)
    assert.equal(a?.seq, 4)
    assert.deepEqual(view.tick(5000), [], 'a member that left is not declared dead again')
    assert.deepEqual(view.onHeartbeat('A', hb('A', 1, 3), 5100), { accepted: false, reason: 'stale' },
      'a delayed heartbeat from before the leave does not resurrect it')
  })

  test('a stale or duplicate leave is ignored, and a leave from an unknown member too', () => {
    const view = newView()
    beat(view, hb('A', 1, 3), 0)
    assert.deepEqual(view.onLeave('A', { id: 'A', incarnation: 1, seq: 2 }, 10), { accepted: false, reason: 'stale' })
    assert.deepEqual(view.onLeave('A', { id: 'A', incarnation: 1, seq: 3 }, 10), { accepted: false, reason: 'duplicate' })
    assert.deepEqual(view.onLeave('A', { id: 'A', incarnation: 0, seq: 9 }, 10), { accepted: false, reason: 'stale' })
    assert.equal(view.get('A')?.state, 'alive')
    assert.deepEqual(view.onLeave('Z', { id: 'Z', incarnation: 1, seq: 0 }, 10), { accepted: false, reason: 'unknown' })
    assert.equal(view.get('Z'), undefined)
  })

  test('a leave after a timeout records why without a second dead event', () => {
    const view = newView()
    beat(view, hb('A', 1, 0), 0)
    view.tick(3000)
    assert.deepEqual(view.onLeave('A', { id: 'A', incarnation: 1, seq: 1 }, 3500), { accepted: true, events: [] })
    assert.equal(view.get('A')?.deadReason, 'left')
    assert.equal(view.get('A')?.since, 3000, 'the forget countdown is not restarted')
  })

  test('dead members are forgotten forgetMs after their death', () => {
    const view = newView()
    beat(view, hb('A', 1, 0), 0)
    view.onLeave('A', { id: 'A', incarnation: 1, seq: 1 }, 100)
    assert.deepEqual(view.tick(60_099), [])
    assert.deepEqual(describe(view.tick(60_100)), ['t=60100 forget A'])
    assert.equal(view.get('A'), undefined)
    assert.equal(view.size, 0)
    assert.deepEqual(beat(view, hb('A', 2, 0), 60_200), ['t=60200 join A incarnation=2'])
  })

  test('update is reported when the offer or the cluster claim changes, not on load', () => {
    const view = newView()
    beat(view, hb('A', 1, 0), 0)
    assert.deepEqual(beat(view, hb('A', 1, 1, { load: { running: 3, queued: 9, eventLoopDelayMs: 40, loadAvg1: 2 } }), 100), [])
    const moreFree = hb('A', 1, 2)
    moreFree.capacity.memFreeBytes = 900
    assert.deepEqual(beat(view, moreFree, 200), [])
    const claim = { voters: ['A', 'B'], proposal: null, epoch: 3, master: 'B' }
    assert.deepEqual(beat(view, hb('A', 1, 3, { role: 'voter', cluster: claim }), 300), ['t=300 update A changed=role,cluster'])
    const relabelled = hb('A', 1, 4, { role: 'voter', cluster: claim, handlers: ['echo', 'sum'] })
    relabelled.capacity.labels = { zone: 'lab', gpu: 'true' }
    assert.deepEqual(beat(view, relabelled, 400), ['t=400 update A changed=capacity,handlers'])
  })

  test('members() is ordered by id whatever the arrival order, and alive() leaves out suspects', () => {
    const view = newView()
    for (const [i, id] of ['D', 'B', 'a', 'C', 'A'].entries()) beat(view, hb(id, 1, 0), i * 1000)
    assert.deepEqual(view.members().map(m => m.id), ['A', 'B', 'C', 'D', 'a'])
    assert.deepEqual(describe(view.tick(4400)), [
      't=4400 suspect B last-seen=1000',
      't=4400 dead B reason=timeout',
      't=4400 suspect D last-seen=0',
      't=4400 dead D reason=timeout',
      't=4400 suspect a last-seen=2000'
    ])
    assert.deepEqual(view.alive().map(m => m.id), ['A', 'C'])
    assert.deepEqual(view.members().map(m => `${m.id}:${m.state}`), ['A:alive', 'B:dead', 'C:alive', 'D:dead', 'a:suspect'])
  })

  test('snapshots cannot change the stored state', () => {
    const view = newView()
    const sent = hb('A', 1, 0)
    beat(view, sent, 0)
    sent.handlers.push('evil')
    sent.capacity.slots = 999
    const snap = view.get('A')
    assert.ok(snap !== undefined)
    assert.deepEqual(snap.heartbeat.handlers, ['echo'])
    assert.equal(snap.heartbeat.capacity.slots, 4)
    assert.throws(() => { (snap.heartbeat.handlers as string[]).push('x') }, TypeError)
    assert.throws(() => { (snap as { state: string }).state = 'dead' }, TypeError)
    assert.equal(view.get('A')?.state, 'alive')
    assert.deepEqual(view.get('A')?.heartbeat.handlers, ['echo'])
  })
})
