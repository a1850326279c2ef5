import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { MembershipView, type MemberSnapshot } from '../../src/core/membership/view.js'
import { compareOrder, type Heartbeat } from '../../src/core/membership/heartbeat.js'
import type { MembershipEvent } from '../../src/core/membership/events.js'

const SELF = 'Self'
const IDS = ['A', 'B', 'C', SELF]

type Step =
  | { kind: 'hb', author: string, id: string, incarnation: number, seq: number, dt: number, variant: number }
  | { kind: 'leave', author: string, id: string, incarnation: number, seq: number, dt: number }
  | { kind: 'tick', dt: number }

// Times move in 100 ms steps and timings are multiples of 100 ms, so that boundaries are hit exactly.
const delay = (maxSteps: number): fc.Arbitrary<number> => fc.nat(maxSteps).map(n => n * 100)

// Authors usually sign as themselves, so that most messages get past authentication.
const authorAndId = fc.tuple(fc.constantFrom(...IDS), fc.constantFrom(...IDS), fc.boolean())
  .map(([author, other, honest]) => ({ author, id: honest ? author : other }))

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ who: authorAndId, incarnation: fc.nat(3), seq: fc.nat(6), dt: delay(12), variant: fc.nat(2) })
    .map(({ who, ...rest }) => ({ kind: 'hb' as const, ...who, ...rest })),
  fc.record({ who: authorAndId, incarnation: fc.nat(3), seq: fc.nat(6), dt: delay(12) })
    .map(({ who, ...rest }) => ({ kind: 'leave' as const, ...who, ...rest })),
  fc.record({ dt: delay(40) }).map(r => ({ kind: 'tick' as const, ...r }))
)

const timings = fc.record({ suspectMs: delay(20), extra: delay(30), forgetMs: delay(100) })
  .map(t => ({ suspectMs: t.suspectMs + 100, deadMs: t.suspectMs + t.extra + 200, forgetMs: t.forgetMs + 100 }))

function heartbeat (s: Extract<Step, { kind: 'hb' }>): Heartbeat {
  return {
    id: s.id,
    incarnation: s.incarnation,
    seq: s.seq,
    version: '1',
    addrs: [],
    role: (['worker', 'voter', 'master'] as const)[s.variant] ?? 'worker',
    capacity: { slots: s.variant, cpus: 1, memTotalBytes: 1, memFreeBytes: s.seq, resources: {}, labels: {} },
    load: { running: s.seq, queued: 0, eventLoopDelayMs: 0, loadAvg1: 0 },
    handlers: s.variant > 0 ? ['t'] : [],
    cluster: { voters: null, proposal: null, epoch: s.variant, master: null }
  }
}

/** What the view must answer, judged only from the snapshot taken before the message. */
function expectedVerdict (step: Extract<Step, { kind: 'hb' | 'leave' }>, before: MemberSnapshot | undefined): string {
  if (step.author !== step.id) return 'forged'
  if (step.id === SELF) return 'self'
  if (before === undefined) return step.kind === 'hb' ? 'accepted' : 'unknown'
  const order = compareOrder(step, before)
  return order > 0 ? 'accepted' : order === 0 ? 'duplicate' : 'stale'
}

const STATE_CHANGES = new Set(['join', 'suspect', 'dead', 'recover', 'forget'])

test('membership invariants hold after every step of random gossip and ticks', () => {
  fc.assert(fc.property(timings, fc.array(step, { maxLength: 80 }), (params, steps) => {
    const view = new MembershipView(SELF, params)
    let now = 0
    for (const s of steps) {
      now += s.dt
      const before = view.members()
      const beforeById = new Map(before.map(m => [m.id, m]))
      let events: MembershipEvent[] = []

      if (s.kind === 'tick') {
        events = view.tick(now)
      } else {
        const outcome = s.kind === 'hb'
          ? view.onHeartbeat(s.author, heartbeat(s), now)
          : view.onLeave(s.author, { id: s.id, incarnation: s.incarnation, seq: s.seq }, now)
        const verdict = outcome.accepted ? 'accepted' : outcome.reason
        assert.equal(verdict, expectedVerdict(s, beforeById.get(s.id)))
        if (!outcome.accepted) {
          assert.deepEqual(view.members(), before, `a ${verdict} message must not change the view`)
          continue
        }
        events = outcome.events
        const after = view.get(s.id)
        assert.ok(after !== undefined)
        assert.equal(compareOrder(after, s), 0, 'the accepted message is now the newest known')
        if (s.kind === 'hb') {
          assert.equal(after.state, 'alive')
          assert.equal(after.lastSeenAt, now)
          assert.deepEqual(after.heartbeat, heartbeat(s))
        } else {
          assert.equal(after.state, 'dead')
          assert.equal(after.deadReason, 'left')
        }
      }

      const after = view.members()
      assert.deepEqual(after.map(m => m.id), [...after.map(m => m.id)].sort(), 'members() ordered by id')
      assert.ok(after.every(m => m.id !== SELF), 'self is never a member')
      for (const m of after) {
        const prev = beforeById.get(m.id)
        if (prev !== undefined) assert.ok(compareOrder(m, prev) >= 0, `order of ${m.id} moved backwards`)
        assert.equal(m.deadReason !== undefined, m.state === 'dead', 'deadReason present exactly when dead')
      }

      // Every change of state (including joining and leaving the view) is announced, and nothing else is.
      const changed = new Set<string>()
      for (const m of after) if (beforeById.get(m.id)?.state !== m.state) changed.add(m.id)
      for (const m of before) if (view.get(m.id) === undefined) changed.add(m.id)
      const announced = new Set(events.filter(e => STATE_CHANGES.has(e.type)).map(e => e.id))
      assert.deepEqual([...announced].sort(), [...changed].sort())

      if (s.kind === 'tick') {
        for (const m of after) {
          const silent = now - m.lastSeenAt
          if (m.state === 'alive') assert.ok(silent < params.suspectMs, `${m.id} alive after ${silent} ms of silence`)
          if (m.state === 'suspect') assert.ok(silent >= params.suspectMs && silent < params.deadMs, `${m.id} suspect after ${silent} ms`)
          if (m.state === 'dead') assert.ok(now - m.since < params.forgetMs, `${m.id} should have been forgotten`)
        }
      }
    }
  }), { numRuns: 500 })
})

test('a view fed the same inputs produces the same events and members', () => {
  fc.assert(fc.property(timings, fc.array(step, { maxLength: 40 }), (params, steps) => {
    const run = (): unknown[] => {
      const view = new MembershipView(SELF, params)
      const trace: unknown[] = []
      let now = 0
      for (const s of steps) {
        now += s.dt
        if (s.kind === 'tick') trace.push(view.tick(now))
        else if (s.kind === 'hb') trace.push(view.onHeartbeat(s.author, heartbeat(s), now))
        else trace.push(view.onLeave(s.author, { id: s.id, incarnation: s.incarnation, seq: s.seq }, now))
      }
      trace.push(view.members())
      return trace
    }
    assert.deepEqual(run(), run())
  }), { numRuns: 100 })
})
