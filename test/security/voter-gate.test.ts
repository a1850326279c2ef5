import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Election } from '../../src/core/election/election.js'
import { defaultElectionParams } from '../../src/core/election/params.js'
import type { ElectionMessage, ElectionParams } from '../../src/core/election/types.js'
import type { ClaimView, ClusterClaim, NodeId, Rng } from '../../src/core/types.js'
import { WorkerLedger } from '../../src/core/tasks/worker.js'
import { VoterGatedElection, voterAuthority, type VoterKnowledge } from '../../src/node/election-driver.js'

const P: ElectionParams = { ...defaultElectionParams }
const noJitter: Rng = { next: () => 0 }
const ABC = ['a', 'b', 'c']
const HOSTILE = 'h'

const claim = (voters: NodeId[] | null, epoch = 0): ClusterClaim => ({ voters, proposal: voters === null ? ABC : null, epoch, master: null })

function knowledge (over: Partial<VoterKnowledge> = {}): VoterKnowledge {
  return { voters: ABC, pending: null, version: 0, claims: new Map(), alive: [], ...over }
}

/** Node `self` of voter set a, b, c, agreed through bootstrap; outsiders' messages go to `ignored`. */
function gated (self: NodeId = 'a'): { e: VoterGatedElection, ignored: Array<[NodeId, string]> } {
  const ignored: Array<[NodeId, string]> = []
  const e = new VoterGatedElection(self, P, noJitter, 0, undefined, (from, kind) => { ignored.push([from, kind]) })
  const others = ABC.filter(v => v !== self)
  e.observeClaims(new Map(others.map(id => [id, claim(null)])), others, 0)
  assert.deepEqual(e.status(0).voters, ABC)
  e.advance()
  return { e, ignored }
}

const announce = (master: NodeId, term: number): ElectionMessage => ({ kind: 'master-announce', term, master, leaseRemainingMs: 3_600_000 })

describe('who may speak with a master\'s authority', () => {
  test('anyone while the voter set is unknown (bootstrap); then only its voters and the change in flight', () => {
    assert.equal(voterAuthority(HOSTILE, knowledge({ voters: null })).ok, true)
    assert.equal(voterAuthority('b', knowledge()).ok, true)
    assert.equal(voterAuthority('w', knowledge({ pending: ['a', 'b', 'c', 'w'] })).ok, true)
    const refused = voterAuthority(HOSTILE, knowledge({ version: 2 }))
    assert.deepEqual(refused, { ok: false, reason: 'h is not in the voter set (version 2)' })
  })

  test('a voter this node missed counts once an alive voter it knows names it; a non-voter\'s or dead voter\'s word does not', () => {
    const claims = new Map<NodeId, ClaimView>([['b', claim(['a', 'b', 'w'])], [HOSTILE, claim(['a', 'b', HOSTILE])], ['c', claim(['a', 'c', 'x'])]])
    assert.equal(voterAuthority('w', knowledge({ claims, alive: ['b'] })).ok, true)
    assert.equal(voterAuthority(HOSTILE, knowledge({ claims, alive: ['b', HOSTILE] })).ok, false, 'naming yourself proves nothing')
    assert.equal(voterAuthority('x', knowledge({ claims, alive: ['b'] })).ok, false, 'c is not alive')
  })
})

describe('the election as the node runs it', () => {
  test('an outsider announcing itself master is ignored and reported: the plain election would have obeyed it', () => {
    const plain = new Election('a', P, noJitter, 0)
    plain.observeClaims(new Map([['b', claim(null)], ['c', claim(null)]]), ['b', 'c'], 0)
    plain.step(HOSTILE, announce(HOSTILE, 99), 10)
    assert.equal(plain.status(10).master?.id, HOSTILE, 'without the gate an insider becomes master by saying so')

    const { e, ignored } = gated()
    const before = e.status(10)
    e.step(HOSTILE, announce(HOSTILE, 99), 10)
    assert.deepEqual(e.status(10), before)
    assert.deepEqual(ignored, [[HOSTILE, 'master-announce']])
    assert.deepEqual(e.ready().messages, [])
  })

  test('an outsider cannot push the term to the end of the number line, by message or by heartbeat claim', () => {
    const { e } = gated()
    e.step(HOSTILE, { kind: 'lease-request', term: Number.MAX_SAFE_INTEGER, candidate: HOSTILE, reqId: 1 }, 10)
    e.observeClaims(new Map([['b', claim(ABC, 7)], ['c', claim(ABC)], [HOSTILE, claim(ABC, Number.MAX_SAFE_INTEGER)]]), ['b', 'c', HOSTILE], 20)
    assert.equal(e.status(20).term, 7, 'the voter\'s term counts, the outsider\'s does not')
  })

  test('orders: an outsider is refused at any epoch, a voter passes the fencing guard as before', () => {
    const { e } = gated()
    assert.deepEqual(e.admitOrder(100, HOSTILE), { ok: false, reason: 'h is not in the voter set (version 0)' })
    assert.equal(e.status(0).fencingEpoch, 0, 'a refused order teaches the guard nothing')
    assert.deepEqual(e.admitOrder(5, 'b'), { ok: true })
    assert.equal(e.admitOrder(4, 'c').ok, false, 'and a voter at a stale epoch is still fenced')
  })

  test('a worker obeys the voter master and refuses the outsider\'s assign, telling it why, running nothing', () => {
    const { e } = gated('c')
    const w = new WorkerLedger({ slots: 4, handlers: { echo: {} } }, (epoch, from) => e.admitOrder(epoch, from))
    const spec = (id: string): import('../../src/core/tasks/types.js').TaskSpec => ({
      id, type: 'echo', payload: 1, priority: 0, req: { slots: 1, cpus: 0, memoryBytes: 0, resources: {}, constraints: {} },
      timeoutMs: 1000, retries: 0, backoffMs: 0, submitter: 'b'
    })
    w.receive(HOSTILE, [{ kind: 'assign', epoch: 1_000_000, tasks: [{ spec: spec('t1'), attempt: 1 }] }], 0)
    let r = w.ready()
    assert.deepEqual(r.starts, [])
    assert.deepEqual(r.messages.map(m => [m.to, m.msg.kind]), [[HOSTILE, 'refuse']])
    assert.equal(r.events[0]?.type, 'fenced')
    w.advance()
    w.receive('a', [{ kind: 'assign', epoch: 1, tasks: [{ spec: spec('t2'), attempt: 1 }] }], 0)
    r = w.ready()
    assert.deepEqual(r.starts.map(s => s.spec.id), ['t2'])
    assert.equal(w.snapshot().master, 'a')
  })

  test('a voter added while this node was away is followed once a voter it knows vouches for it', () => {
    const { e, ignored } = gated('c')
    e.step('w', announce('w', 3), 10)
    assert.equal(e.status(10).master, null)
    assert.equal(ignored.length, 1)
    e.observeClaims(new Map([['a', claim(['a', 'b', 'w'], 3)], ['w', claim(['a', 'b', 'w'], 3)]]), ['a', 'w'], 20)
    e.step('w', announce('w', 3), 30)
    assert.equal(e.status(30).master?.id, 'w')
  })
})
