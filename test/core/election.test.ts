import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Election } from '../../src/core/election/election.js'
import { defaultElectionParams, validateElectionParams } from '../../src/core/election/params.js'
import { describeEvent, describeMessage } from '../../src/core/election/describe.js'
import type {
  ElectionEvent, ElectionMessage, ElectionParams, LeaseRequest, LeaseResponse, PersistedElectionState, Ready
} from '../../src/core/election/types.js'
import type { ClusterClaim, NodeId, Rng } from '../../src/core/types.js'

const P: ElectionParams = { ...defaultElectionParams }
const L = P.leaseMs
const D = P.maxDriftMs
const R = P.renewMs
/** No back-off: campaigns start on the first tick that allows them, so timings are exact. */
const noJitter: Rng = { next: () => 0 }
const ABC = ['a', 'b', 'c']

function claimsProposing (voters: NodeId[], ids: NodeId[]): Map<NodeId, ClusterClaim> {
  return new Map(ids.map(id => [id, { voters: null, proposal: voters, epoch: 0, master: null }]))
}

/** A node that has agreed `voters` through bootstrap (everyone seen proposing them). */
function agreed (self: NodeId, voters = ABC, now = 0, rng: Rng = noJitter): Election {
  const e = new Election(self, { ...P, expect: voters.length }, rng, now)
  const others = voters.filter(v => v !== self)
  e.observeClaims(claimsProposing(voters, others), others, now)
  assert.deepEqual(e.status(now).voters, voters)
  e.advance()
  return e
}

function take (e: Election): Ready {
  const r = e.ready()
  const copy: Ready = { messages: [...r.messages], events: [...r.events] }
  if (r.persist !== undefined) copy.persist = r.persist
  e.advance()
  return copy
}

const types = (events: ElectionEvent[]): string[] => events.filter(e => e.type !== 'term-advanced').map(e => e.type)
const request = (term: number, candidate: NodeId, reqId = 1): LeaseRequest => ({ kind: 'lease-request', term, candidate, reqId })

function answerOf (r: Ready, to: NodeId): LeaseResponse {
  const m = r.messages.find(x => x.to === to && x.msg.kind === 'lease-response')
  assert.ok(m !== undefined, `expected a lease-response to ${to}`)
  return m.msg as LeaseResponse
}

function requestIn (r: Ready, to: NodeId): LeaseRequest {
  const m = r.messages.find(x => x.to === to && x.msg.kind === 'lease-request')
  assert.ok(m !== undefined, `expected a lease-request to ${to}`)
  return m.msg as LeaseRequest
}

const grant = (req: LeaseRequest, promisedTerm = req.term, holder: NodeId | null = req.candidate): LeaseResponse =>
  ({ kind: 'lease-response', term: req.term, reqId: req.reqId, granted: true, promisedTerm, holder, remainingMs: L })

/** An in-memory network of elections sharing one clock, delivering everything at once unless dropped. */
class Net {
  readonly nodes = new Map<NodeId, Election>()
  readonly events = new Map<NodeId, ElectionEvent[]>()
  readonly disks = new Map<NodeId, PersistedElectionState>()
  private inflight: Array<{ from: NodeId, to: NodeId, msg: ElectionMessage }> = []
  drop: (from: NodeId, to: NodeId, msg: ElectionMessage) => boolean = () => false

  add (id: NodeId, e: Election): void {
    this.nodes.set(id, e)
    this.events.set(id, [])
  }

  collect (id: NodeId): void {
    const e = this.nodes.get(id)!
    const r = take(e)
    if (r.persist !== undefined) this.disks.set(id, r.persist)
    this.events.get(id)!.push(...r.events)
    for (const { to, msg } of r.messages) {
      const targets = to === 'all' ? [...this.nodes.keys()].filter(x => x !== id) : [to]
      for (const t of targets) this.inflight.push({ from: id, to: t, msg })
    }
  }

  deliver (now: number): void {
    while (this.inflight.length > 0) {
      const { from, to, msg } = this.inflight.shift()!
      const e = this.nodes.get(to)
      if (e === undefined || this.drop(from, to, msg)) continue
      e.step(from, msg, now)
      this.collect(to)
    }
  }

  tick (now: number): void {
    for (const [id, e] of this.nodes) {
      e.tick(now)
      this.collect(id)
    }
    this.deliver(now)
  }

  run (from: number, to: number, every = 10): void {
    for (let t = from; t <= to; t += every) this.tick(t)
  }

  masters (now: number): NodeId[] {
    return [...this.nodes].filter(([, e]) => e.isMaster(now)).map(([id]) => id)
  }
}

/** Three voters whose back-offs are 0, 75 and 135 ms: a campaigns first. */
function threeNodes (): Net {
  const net = new Net()
  const jitter = [0, 0.5, 0.9]
  ABC.forEach((id, i) => { net.add(id, agreed(id, ABC, 0, { next: () => jitter[i]! })) })
  return net
}

describe('election parameters', () => {
  test('the defaults are valid', () => {
    assert.deepEqual(validateElectionParams(P), { ok: true })
    assert.deepEqual([P.expect, P.leaseMs, P.renewMs, P.maxDriftMs, P.backoffMaxMs], [3, 1000, 200, 50, 150])
  })

  test('broken relations are reported with a way to fix them', () => {
    const r = validateElectionParams({ ...P, renewMs: 600, maxDriftMs: 300, expect: 0, backoffMaxMs: -1 })
    assert.equal(r.ok, false)
    const text = r.ok ? '' : r.problems.join('\n')
    assert.match(text, /renewMs \(600\) must be below leaseMs\/2 .*lower renewMs or raise leaseMs/)
    assert.match(text, /maxDriftMs \(300\) must be below leaseMs\/4 .*raise leaseMs or lower maxDriftMs/)
    assert.match(text, /expect must be an integer from 1 to 15/)
    assert.match(text, /backoffMaxMs must be a positive number/)
    assert.throws(() => new Election('a', { ...P, leaseMs: 0 }, noJitter, 0), /invalid election parameters: leaseMs/)
  })
})

describe('campaigns', () => {
  test('a single voter (expect 1) elects itself and announces it', () => {
    const e = new Election('a', { ...P, expect: 1 }, noJitter, 0)
    e.observeClaims(new Map(), [], 0)
    assert.deepEqual(types(take(e).events), ['voters-agreed'])
    e.tick(5)
    const r = take(e)
    assert.deepEqual(types(r.events), ['campaign-started', 'elected'])
    assert.deepEqual(r.persist, { promisedTerm: 1, holder: 'a', highestTerm: 1, voters: ['a'], masterEpoch: 1, master: 'a' })
    assert.deepEqual(r.messages, [{ to: 'all', msg: { kind: 'master-announce', term: 1, master: 'a', leaseRemainingMs: L - D } }])
    assert.equal(e.isMaster(5), true)
    assert.equal(e.orderEpoch(5), 1)
    assert.deepEqual(e.status(5).master, { id: 'a', epoch: 1, leaseRemainingMs: L - D })
    assert.equal(e.claim().master, 'a')
    // Alone, it keeps renewing through its own promise.
    for (let t = 10; t <= 3000; t += 10) e.tick(t)
    assert.equal(e.isMaster(3000), true)
  })

  test('three voters elect exactly one master, and the others learn who it is', () => {
    const net = threeNodes()
    net.run(0, 600)
    const masters = net.masters(600)
    assert.equal(masters.length, 1)
    const master = masters[0]!
    for (const [id, e] of net.nodes) {
      const s = e.status(600)
      assert.equal(s.master?.id, master, `${id} should know the master`)
      assert.equal(s.master?.epoch, 1)
      assert.equal(s.role, id === master ? 'master' : 'voter')
      assert.equal(s.term, 1)
      assert.equal(e.claim().master, master)
    }
    assert.ok(net.events.get(master)!.some(e => e.type === 'elected'))
  })

  test('three voters campaigning at the same moment still end with one master', () => {
    const net = new Net()
    for (const id of ABC) net.add(id, agreed(id))
    net.run(0, 600)
    assert.deepEqual(net.masters(600), ['a'])
    for (const e of net.nodes.values()) assert.equal(e.status(600).master?.id, 'a')
  })

  test('voters do not campaign while they know of a valid lease', () => {
    const net = threeNodes()
    net.run(0, 3000)
    const campaigns = [...net.events.values()].flat().filter(e => e.type === 'campaign-started')
    assert.equal(campaigns.length, 1)
  })

  test('a candidate refused by too many voters gives up, releases its voters and retries later', () => {
    const a = agreed('a')
    a.tick(0)
    const r = take(a)
    const req = requestIn(r, 'b')
    const refusal: LeaseResponse = { kind: 'lease-response', term: req.term, reqId: req.reqId, granted: false, promisedTerm: 0, holder: 'x', remainingMs: 400 }
    a.step('b', refusal, 1)
    assert.deepEqual(types(take(a).events), [])
    a.step('c', refusal, 2)
    const out = take(a)
    const failed = out.events.find(e => e.type === 'campaign-failed')
    assert.ok(failed !== undefined && failed.type === 'campaign-failed')
    assert.equal(failed.retryInMs, 400, 'waits for the promises the voters reported')
    assert.deepEqual(out.messages.map(m => [m.to, m.msg.kind]), [['b', 'release'], ['c', 'release']])
    assert.equal(a.status(2).role, 'voter')
    assert.equal(a.status(2).promisedTo, null, 'its own promise to itself is released too')
  })

  test('a candidate asks again a voter whose promise to another node was about to run out', () => {
    const a = agreed('a')
    a.tick(0)
    const req = requestIn(take(a), 'b')
    a.step('b', { kind: 'lease-response', term: req.term, reqId: req.reqId, granted: false, promisedTerm: 0, holder: 'x', remainingMs: 30 }, 1)
    take(a)
    a.tick(20)
    assert.deepEqual(take(a).messages, [])
    a.tick(40)
    assert.deepEqual(take(a).messages, [{ to: 'b', msg: req }])
    a.step('b', grant(req), 41)
    assert.ok(types(take(a).events).includes('elected'))
  })

  test('of two candidates splitting the voters, the lower-ranked yields and the other wins at once', () => {
    // c is down; a and b campaign at the same moment, at the same term.
    const net = new Net()
    net.add('a', agreed('a'))
    net.add('b', agreed('b'))
    const [a, b] = [net.nodes.get('a')!, net.nodes.get('b')!]
    a.tick(0)
    b.tick(0)
    net.collect('a')
    net.collect('b')
    net.deliver(1)
    assert.deepEqual(net.masters(1), ['a'], 'equal terms: the lower id ranks higher')
    assert.ok(net.events.get('b')!.some(e => e.type === 'campaign-failed' && e.reason === 'yielding to a'))
    assert.equal(a.orderEpoch(1), 2, 'a restarted at a new term, which b could grant')
  })
})

describe('the grant rule', () => {
  test('a voter refuses a second candidate while its promise runs, and grants once it expired', () => {
    const a = agreed('a')
    a.step('b', request(1, 'b'), 0)
    const first = answerOf(take(a), 'b')
    assert.deepEqual(first, { kind: 'lease-response', term: 1, reqId: 1, granted: true, promisedTerm: 1, holder: 'b', remainingMs: L })
    a.step('c', request(2, 'c'), 500)
    assert.deepEqual(answerOf(take(a), 'c'), { kind: 'lease-response', term: 2, reqId: 1, granted: false, promisedTerm: 1, holder: 'b', remainingMs: 500 })
    a.step('c', request(2, 'c', 2), 999.5)
    assert.equal(answerOf(take(a), 'c').granted, false)
    a.step('c', request(2, 'c', 3), 1000)
    const r = take(a)
    assert.equal(answerOf(r, 'c').granted, true)
    assert.deepEqual(r.persist, { promisedTerm: 2, holder: 'c', highestTerm: 2, voters: ABC, masterEpoch: 0, master: null })
  })

  test('the holder renewing at the same term is granted, and its term is kept', () => {
    const a = agreed('a')
    a.step('b', request(1, 'b', 1), 0)
    take(a)
    a.step('b', request(1, 'b', 2), 300)
    const ready = take(a)
    assert.equal(ready.persist, undefined, 'nothing new to persist for a renewal')
    const r = answerOf(ready, 'b')
    assert.equal(r.granted, true)
    assert.equal(r.promisedTerm, 1)
    assert.equal(a.status(300).promisedTo?.remainingMs, L, 'the promise runs a full lease from the renewal')
  })

  test('another holder needs a term above the promised one, even after the promise expired', () => {
    const a = agreed('a')
    a.step('b', request(3, 'b'), 0)
    take(a)
    for (const term of [2, 3]) {
      a.step('c', request(term, 'c'), 2000)
      assert.equal(answerOf(take(a), 'c').granted, false, `term ${term} must be refused`)
    }
    a.step('c', request(4, 'c'), 2000)
    assert.equal(answerOf(take(a), 'c').granted, true)
  })

  test('only voters grant, and only to voters; a request must come from its candidate', () => {
    const a = agreed('a')
    a.step('x', request(1, 'x'), 0)
    assert.equal(answerOf(take(a), 'x').granted, false, 'x is not a voter')
    a.step('c', request(1, 'b'), 0)
    assert.deepEqual(take(a).messages, [], 'c cannot ask on behalf of b')
    const worker = agreed('d', ABC)
    worker.step('b', request(1, 'b'), 0)
    assert.equal(answerOf(take(worker), 'b').granted, false, 'd is not in the voter set')
  })

  test('a release by the holder frees the voter at once; a release by anyone else does not', () => {
    const a = agreed('a')
    a.step('b', request(2, 'b'), 0)
    take(a)
    a.step('c', { kind: 'release', term: 2 }, 10)
    assert.equal(a.status(10).promisedTo?.holder, 'b')
    a.step('b', { kind: 'release', term: 1 }, 10)
    assert.equal(a.status(10).promisedTo?.holder, 'b', 'an older release does not cover a newer promise')
    a.step('b', { kind: 'release', term: 2 }, 10)
    assert.equal(a.status(10).promisedTo, null)
    a.step('b', request(2, 'b', 2), 20)
    assert.equal(answerOf(take(a), 'b').granted, false, 'a released term is not renewed')
    a.step('c', request(3, 'c'), 20)
    assert.equal(answerOf(take(a), 'c').granted, true)
  })
})

describe('restart', () => {
  const persisted: PersistedElectionState = { promisedTerm: 3, holder: 'b', highestTerm: 3, voters: ABC }

  test('a restored voter grants nothing for a lease after it starts', () => {
    const a = new Election('a', P, noJitter, 5000, persisted)
    assert.equal(a.status(5000).quarantineRemainingMs, L)
    a.step('c', request(4, 'c'), 5999)
    const refused = answerOf(take(a), 'c')
    assert.equal(refused.granted, false)
    assert.equal(refused.remainingMs, 1)
    a.step('b', request(3, 'b', 2), 5500)
    assert.equal(answerOf(take(a), 'b').granted, false, 'not even a renewal by its old holder')
    a.step('c', request(4, 'c', 3), 6000)
    assert.equal(answerOf(take(a), 'c').granted, true)
  })

  test('a restored voter never campaigns during quarantine, nor at a term it has seen', () => {
    const a = new Election('a', P, noJitter, 5000, persisted)
    for (let t = 5000; t < 6000; t += 10) a.tick(t)
    assert.deepEqual(types(take(a).events), [])
    a.tick(6000)
    const r = take(a)
    assert.deepEqual(types(r.events), ['campaign-started'])
    assert.equal(requestIn(r, 'b').term, 4)
    assert.equal(r.persist?.highestTerm, 4, 'the new term is persisted with the requests')
  })

  test('state from an older file without fencing fields restores with epoch 0', () => {
    const a = new Election('a', P, noJitter, 0, persisted)
    assert.equal(a.fencingEpoch, 0)
    assert.equal(a.highestSeenTerm, 3)
  })
})

describe('leases', () => {
  /** Node a elected at t0 with b's grant, c silent. */
  function electedA (t0: number): { a: Election, reqB: LeaseRequest } {
    const a = agreed('a')
    a.tick(t0)
    const reqB = requestIn(take(a), 'b')
    a.step('b', grant(reqB), t0 + 3)
    assert.ok(types(take(a).events).includes('elected'))
    return { a, reqB }
  }

  test('the lease counts from before the requests left, minus the drift margin', () => {
    const { a } = electedA(100)
    assert.equal(a.status(103).master?.leaseRemainingMs, 100 + L - D - 103)
  })

  test('the master steps down at requestStart + lease - drift when renewals fail', () => {
    const { a } = electedA(100)
    for (let t = 110; t < 100 + L - D; t += 10) a.tick(t)
    const renewals = take(a).messages.filter(m => m.msg.kind === 'lease-request' && m.to === 'b')
    assert.equal(renewals.length, 4, 'renewed every renewMs (at 300, 500, 700, 900)')
    assert.equal(a.isMaster(100 + L - D - 0.001), true)
    assert.equal(a.isMaster(100 + L - D), false, 'no longer master the moment the lease ends, tick or not')
    a.tick(100 + L - D)
    const r = take(a)
    assert.deepEqual(types(r.events), ['lost-lease', 'campaign-started'], 'without back-off it tries again at once')
    assert.deepEqual(r.messages.map(m => [m.to, m.msg.kind]).slice(0, 2), [['b', 'release'], ['c', 'release']])
    assert.equal(requestIn(r, 'b').term, 2, 'at a new term')
  })

  test('a renewal that reaches a quorum extends the lease from its own start', () => {
    const { a } = electedA(100)
    a.tick(300)
    const renewal = requestIn(take(a), 'b')
    assert.equal(renewal.term, 1, 'renewals keep the term')
    a.step('b', grant(renewal), 450)
    const r = take(a)
    assert.deepEqual(r.messages, [{ to: 'all', msg: { kind: 'master-announce', term: 1, master: 'a', leaseRemainingMs: 300 + L - D - 450 } }])
    assert.equal(a.isMaster(300 + L - D - 0.001), true)
    assert.equal(a.isMaster(300 + L - D), false)
  })

  test('a late answer to an older round does not extend the lease beyond that round', () => {
    const { a, reqB } = electedA(100)
    a.tick(300)
    take(a)
    a.step('b', grant(reqB), 400)
    assert.equal(a.isMaster(100 + L - D), false, 'the election round is already counted')
  })

  test('a quorum that answers after the lease it would give has ended elects nobody', () => {
    const a = agreed('a')
    a.tick(0)
    const req = requestIn(take(a), 'b')
    // No tick in between (a stalled event loop): the answer is handled before the round's timeout.
    a.step('b', grant(req), L - D)
    assert.equal(a.isMaster(L - D), false)
    assert.ok(types(take(a).events).includes('campaign-failed'))
  })

  test('answers to a round that timed out are ignored', () => {
    const a = agreed('a')
    a.tick(0)
    const req = requestIn(take(a), 'c')
    a.tick(R)
    assert.ok(types(take(a).events).includes('campaign-failed'), 'the round times out after renewMs')
    a.step('c', grant(req), R + 1)
    assert.equal(a.isMaster(R + 1), false)
  })

  test('the master moves to a higher term it has seen, without losing its lease', () => {
    const { a } = electedA(100)
    a.step('c', request(7, 'c'), 150)
    const refusal = answerOf(take(a), 'c')
    assert.equal(refusal.granted, false, 'its own promise to itself still runs')
    a.tick(300)
    const renewal = requestIn(take(a), 'b')
    assert.equal(renewal.term, 8)
    assert.equal(a.orderEpoch(300), 1, 'orders keep the old epoch until the new one is granted')
    a.step('b', grant(renewal), 301)
    const r = take(a)
    assert.deepEqual(r.events.filter(e => e.type === 'epoch-raised'), [{ type: 'epoch-raised', from: 1, to: 8 }])
    assert.equal(a.orderEpoch(301), 8)
    assert.equal(a.isMaster(301), true)
  })
})

describe('announcements', () => {
  const announce = (term: number, master: NodeId, leaseRemainingMs = 900): ElectionMessage => ({ kind: 'master-announce', term, master, leaseRemainingMs })

  test('a node records the master and its epoch, and trusts it for its lease less the drift margin', () => {
    const d = agreed('d')
    d.step('b', announce(5, 'b'), 100)
    assert.deepEqual(take(d).events.filter(e => e.type === 'new-master'), [{ type: 'new-master', term: 5, master: 'b' }])
    assert.deepEqual(d.status(100).master, { id: 'b', epoch: 5, leaseRemainingMs: 900 - D })
    assert.equal(d.status(100 + 900 - D).master, null)
    assert.equal(d.status(100).role, 'worker')
    assert.equal(d.fencingEpoch, 5)
  })

  test('a stale announce (older epoch than known) is ignored', () => {
    const d = agreed('d')
    d.step('b', announce(5, 'b'), 100)
    take(d)
    d.step('c', announce(4, 'c'), 110)
    assert.deepEqual(take(d).events.filter(e => e.type === 'new-master'), [])
    assert.equal(d.status(110).master?.id, 'b')
    d.step('c', announce(5, 'c'), 110)
    assert.equal(d.status(110).master?.id, 'b', 'epoch 5 belongs to b')
    d.step('c', announce(6, 'c'), 120)
    assert.equal(d.status(120).master?.id, 'c')
  })

  test('an announce that overtook its master\'s release still fences older epochs, but is no lease', () => {
    const d = agreed('d')
    d.step('b', announce(5, 'b'), 100)
    d.step('c', { kind: 'release', term: 9 }, 110)
    d.step('c', announce(9, 'c'), 120)
    assert.equal(d.fencingEpoch, 9)
    assert.equal(d.admitOrder(5, 'b').ok, false)
    assert.equal(d.status(120).master, null, 'c gave epoch 9 up, and b was deposed before it')
  })

  test('an announce must come from the master it names', () => {
    const d = agreed('d')
    d.step('c', announce(5, 'b'), 100)
    assert.equal(d.status(100).master, null)
  })

  test('a failed candidacy elsewhere does not hide the real master from a node', () => {
    const a = agreed('a')
    a.step('c', request(9, 'c'), 0)
    take(a)
    a.step('b', announce(5, 'b'), 10)
    assert.equal(a.status(10).master?.id, 'b', 'term 9 was a campaign, not a master')
  })

  test('a candidate gives up when a master announces itself', () => {
    const a = agreed('a')
    a.tick(0)
    take(a)
    a.step('b', announce(1, 'b'), 5)
    const r = take(a)
    assert.deepEqual(types(r.events), ['campaign-failed', 'new-master'])
    assert.equal(a.status(5).role, 'voter')
  })
})

describe('fencing through the election', () => {
  test('orders from an older epoch are refused with a fenced event, and the epoch survives a restart', () => {
    const d = agreed('d')
    assert.deepEqual(d.admitOrder(3, 'b'), { ok: true })
    const first = take(d)
    assert.equal(first.persist?.masterEpoch, 3, 'an accepted epoch is persisted')
    const refused = d.admitOrder(2, 'c')
    assert.equal(refused.ok, false)
    assert.deepEqual(take(d).events, [{ type: 'fenced', epoch: 2, from: 'c', reason: 'stale epoch 2: epoch 3 held by b is newer' }])
    assert.equal(d.admitOrder(3, 'c').ok, false, 'epoch 3 is b\'s')
    const restored = new Election('d', P, noJitter, 0, first.persist)
    assert.equal(restored.admitOrder(2, 'c').ok, false)
    assert.equal(restored.admitOrder(3, 'b').ok, true)
  })
})

describe('graceful step-down', () => {
  test('the master releases the voters and hands over with TimeoutNow; the new master is elected at once', () => {
    const net = threeNodes()
    net.run(0, 600)
    const [old] = net.masters(600)
    assert.ok(old !== undefined)
    const e = net.nodes.get(old)!
    e.stepDown(605)
    const r = take(e)
    const others = ABC.filter(x => x !== old)
    assert.deepEqual(r.events, [{ type: 'stepped-down', term: 1, handoffTo: others[0]! }])
    assert.deepEqual(r.messages.filter(m => m.msg.kind === 'release').map(m => m.to), others)
    assert.deepEqual(r.messages.filter(m => m.msg.kind === 'timeout-now'), [{ to: others[0]!, msg: { kind: 'timeout-now', term: 1 } }])
    assert.equal(e.isMaster(605), false)
    // Deliver what it sent: no tick and no back-off needed.
    for (const m of r.messages) net.nodes.get(m.to as NodeId)!.step(old, m.msg, 606)
    for (const id of others) net.collect(id)
    net.deliver(607)
    assert.deepEqual(net.masters(607), [others[0]!])
    assert.equal(net.nodes.get(others[0]!)!.orderEpoch(607), 2)
  })

  test('a stopping node never campaigns again, but still grants', () => {
    const a = agreed('a')
    a.stepDown(0)
    for (let t = 0; t < 3000; t += 10) a.tick(t)
    assert.deepEqual(types(take(a).events), [])
    a.step('b', request(1, 'b'), 3000)
    assert.equal(answerOf(take(a), 'b').granted, true)
  })
})

describe('describe', () => {
  test('renders events and messages as deterministic single lines', () => {
    const events: ElectionEvent[] = [
      { type: 'elected', term: 2, leaseRemainingMs: 949.6 },
      { type: 'epoch-raised', from: 2, to: 5 },
      { type: 'lost-lease', term: 5 },
      { type: 'stepped-down', term: 5, handoffTo: null },
      { type: 'new-master', term: 6, master: 'b' },
      { type: 'term-advanced', from: 5, to: 6 },
      { type: 'campaign-started', term: 7, immediate: true },
      { type: 'campaign-failed', term: 7, reason: 'too many voters refused', retryInMs: 12.3 },
      { type: 'voters-agreed', voters: ['a', 'b'], via: 'adopted', alternatives: [['c', 'd']] },
      { type: 'voters-conflict', ours: ['a'], theirs: ['b'], reportedBy: 'c' },
      { type: 'fenced', epoch: 1, from: 'x', reason: 'stale' }
    ]
    assert.deepEqual(events.map(describeEvent), [
      'elected master at term 2, lease 950ms',
      'master moved from term 2 to term 5',
      'lost the master lease at term 5',
      'stepped down at term 5, handing over to nobody',
      'master is b at term 6',
      'term advanced from 5 to 6',
      'campaigning at term 7 (handover)',
      'campaign at term 7 failed: too many voters refused; retry in 12ms',
      'voters agreed by adopted: [a,b] (also reported: [c,d])',
      'c reports voters [b], ours are [a]',
      'refused order from x at epoch 1: stale'
    ])
    const messages: ElectionMessage[] = [
      request(3, 'a', 9),
      { kind: 'lease-response', term: 3, reqId: 9, granted: false, promisedTerm: 2, holder: null, remainingMs: 0 },
      { kind: 'release', term: 3 },
      { kind: 'timeout-now', term: 3 },
      { kind: 'master-announce', term: 3, master: 'a', leaseRemainingMs: 800 }
    ]
    assert.deepEqual(messages.map(describeMessage), [
      'lease-request term=3 candidate=a req=9',
      'lease-response term=3 req=9 refused promised=2/- remaining=0ms',
      'release term=3',
      'timeout-now term=3',
      'master-announce term=3 master=a lease=800ms'
    ])
    for (const line of [...events.map(describeEvent), ...messages.map(describeMessage)]) assert.doesNotMatch(line, /\n/)
  })
})
