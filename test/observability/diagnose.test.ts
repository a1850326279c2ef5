// The pure diagnosis: hand-made facts in, findings out. No node, socket or network is created
// here and mDNS is never started, so nothing multicasts and no network namespace is needed:
// the `mdns` fields are plain data describing what some other node reported.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { diagnose, healthy, reachable, type DoctorFacts, type Finding, type PeerFacts } from '../../src/observability/diagnose.js'
import type { ClockEstimate } from '../../src/observability/clock-estimate.js'

const SELF = '12D3KooWSelf0000aaaaSELF'
const B = '12D3KooWPeer1111bbbbPEERB'
const C = '12D3KooWPeer2222ccccPEERC'
const W = '12D3KooWPeer3333ddddWORKR'

const goodClock: ClockEstimate = { rttMs: 0.8, offsetMs: 0.3, samples: 6, rate: { drift: 0.0004, uncertainty: 0.004 } }

function peer (id: string, change: Partial<PeerFacts> = {}): PeerFacts {
  return {
    id,
    member: { state: 'alive', role: 'voter', version: '0.1.0', lastSeenMs: 120, addrs: [`/ip4/10.0.0.${id.length}/tcp/4001/p2p/${id}`] },
    voter: true,
    connections: [{ addr: `/ip4/10.0.0.${id.length}/tcp/4001/p2p/${id}`, ageMs: 60_000 }],
    discovered: true,
    dialFailure: null,
    probe: { ok: true, clock: goodClock },
    ...change
  }
}

/** A healthy 3-voter cluster with a secret, seen from SELF (the master). */
function facts (change: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    self: { id: SELF, role: 'master', version: '0.1.0', addresses: ['/ip4/10.0.0.1/tcp/4001'] },
    openCluster: false,
    mdns: { enabled: true, discovered: 2 },
    explicitPeers: 0,
    expect: 3,
    timing: { heartbeatMs: 500, deadMs: 3000, leaseMs: 1000, renewMs: 200, maxDriftMs: 50, replaceDeadVoterAfterMs: 60_000 },
    master: { id: SELF, epoch: 4 },
    voters: [B, C, SELF].sort(),
    peers: [peer(B), peer(C)],
    addresses: [],
    gossip: { published: 100, received: 200, rejected: 0 },
    droppedFrames: 0,
    ...change
  }
}

function withPeer (id: string, change: Partial<PeerFacts>, rest: Partial<DoctorFacts> = {}): DoctorFacts {
  const f = facts(rest)
  return { ...f, peers: f.peers.map(p => p.id === id ? { ...p, ...change } : p) }
}

function problems (findings: Finding[]): Finding[] {
  return findings.filter(f => f.severity === 'problem')
}

/** The only problem found, checked against a pattern on its headline. */
function theProblem (f: DoctorFacts, what: RegExp): Finding {
  const found = diagnose(f)
  const p = problems(found)
  assert.equal(p.length, 1, `expected exactly one problem, got: ${JSON.stringify(p, null, 1)}`)
  assert.match(p[0]!.what, what)
  assert.equal(healthy(found), false)
  return p[0]!
}

describe('diagnose', () => {
  test('a healthy cluster: no problem, no warning, one ok line per peer with round trip and offset', () => {
    const found = diagnose(facts())
    assert.equal(healthy(found), true)
    assert.deepEqual(found.filter(f => f.severity !== 'ok'), [])
    for (const id of [B, C]) {
      assert.ok(found.some(f => f.what === `voter ${id.slice(-8)}: alive, connected, round trip 0.8 ms, clock offset +0.3 ms`), id)
    }
    assert.ok(found.some(f => f.what === `master ${SELF.slice(-8)} (this node), epoch 4`))
    assert.ok(found.some(f => f.what === 'all 3 voters reachable (quorum 2)'))
    assert.ok(found.some(f => f.what === 'mDNS is on: 2 peers discovered'))
  })

  test('problems come first, then warnings, then ok', () => {
    const found = diagnose(withPeer(B, { connections: [], probe: null, member: { ...peer(B).member!, state: 'dead', deadReason: 'timeout', lastSeenMs: 9000 } }, { openCluster: true }))
    const rank = { problem: 0, warn: 1, ok: 2 }
    for (let i = 1; i < found.length; i++) assert.ok(rank[found[i - 1]!.severity] <= rank[found[i]!.severity], JSON.stringify(found.map(f => f.severity)))
    assert.equal(found[0]!.severity, 'problem')
  })

  test('a peer that refuses our handshake: another cluster secret, with the address and the fix', () => {
    const p = theProblem(facts({
      addresses: [{ addr: '/ip4/10.0.0.9/tcp/4001', cause: 'handshake', reason: 'EncryptionFailedError: unexpected end of input', agoMs: 800 }]
    }), /cannot connect to --peer \/ip4\/10\.0\.0\.9\/tcp\/4001/)
    assert.match(p.why, /the node at \/ip4\/10\.0\.0\.9\/tcp\/4001 refuses our handshake .*another cluster secret \(or none\)/)
    assert.match(p.fix, /same --secret-file/)
  })

  test('a --peer address that accepts TCP but never finishes the handshake: blamed on the secret too', () => {
    const p = theProblem(facts({
      addresses: [{ addr: '/ip4/10.0.0.9/tcp/4001', cause: 'handshake-timeout', reason: 'TimeoutError: The operation was aborted due to timeout', agoMs: 200 }]
    }), /cannot connect to --peer \/ip4\/10\.0\.0\.9\/tcp\/4001/)
    assert.match(p.why, /accepts TCP connections but never completes our handshake .*another cluster secret/)
    assert.match(p.fix, /same --secret-file/)
  })

  test('a discovered node that refuses our handshake is a problem; one that refuses connections is a warning', () => {
    const stranger = peer(W, { member: null, voter: false, connections: [], probe: null, dialFailure: { cause: 'handshake', reason: 'EncryptionFailedError', agoMs: 100 } })
    const p = theProblem(facts({ peers: [peer(B), peer(C), stranger] }), new RegExp(`^node ${W.slice(-8)} was discovered but is not connected$`))
    assert.match(p.why, /another cluster secret/)
    const gone = { ...stranger, dialFailure: { cause: 'refused' as const, reason: 'ECONNREFUSED', agoMs: 100 } }
    const found = diagnose(facts({ peers: [peer(B), peer(C), gone] }))
    assert.equal(healthy(found), true)
    assert.match(found.find(f => f.severity === 'warn')!.why, /nothing accepts connections/)
  })

  test('an unreachable voter (dead by timeout) is a problem; the quorum line says how many are left', () => {
    const f = withPeer(C, { connections: [], probe: null, dialFailure: { cause: 'refused', reason: 'connect ECONNREFUSED 10.0.0.3:4001', agoMs: 500 }, member: { ...peer(C).member!, state: 'dead', deadReason: 'timeout', lastSeenMs: 7200 } })
    const p = theProblem(f, new RegExp(`^voter ${C.slice(-8)} is unreachable$`))
    assert.match(p.why, /no heartbeat of it for 7\.2 s, and nothing accepts connections at/)
    assert.match(p.why, /It is a voter/)
    assert.match(p.fix, /replaces it after 60\.0 s/)
    const quorum = diagnose(f).find(x => /voters reachable/.test(x.what))!
    assert.equal(quorum.severity, 'warn')
    assert.equal(quorum.what, '2 of 3 voters reachable (quorum 2)')
    assert.match(quorum.why, /one more lost voter leaves it without a master/)
  })

  test('a stalled voter (connected, but queries time out) is a problem: "does not answer"', () => {
    const p = theProblem(withPeer(B, { probe: { ok: false, reason: 'no answer within 2000 ms' }, member: { ...peer(B).member!, state: 'suspect', lastSeenMs: 2100 } }),
      new RegExp(`^voter ${B.slice(-8)} does not answer$`))
    assert.match(p.why, /no answer within 2000 ms.*stalled/)
  })

  test('cut off from both other voters (a partition): no quorum and no master', () => {
    const cut = (id: string): Partial<PeerFacts> => ({ connections: [], probe: null, dialFailure: { cause: 'timeout', reason: 'TimeoutError', agoMs: 1500 }, member: { ...peer(id).member!, state: 'dead', deadReason: 'timeout', lastSeenMs: 5000 } })
    const base = facts({ master: null, self: { ...facts().self, role: 'voter' } })
    const f = { ...base, peers: [{ ...peer(B), ...cut(B) }, { ...peer(C), ...cut(C) }] }
    const found = diagnose(f)
    assert.equal(healthy(found), false)
    const whats = problems(found).map(x => x.what)
    assert.ok(whats.includes('no master'), whats.join(' | '))
    assert.ok(whats.includes('no quorum: 1 of 3 voters reachable, 2 needed'), whats.join(' | '))
    assert.match(found.find(x => x.what === 'no master')!.why, /only 1 of 3 voters are reachable from here and a master needs 2/)
    const unreachable = problems(found).filter(x => /is unreachable/.test(x.what))
    assert.equal(unreachable.length, 2, whats.join(' | '))
    assert.ok(unreachable.every(x => /times out.*partitioned/.test(x.why)))
  })

  test('a member alive in gossip but not directly connected is a problem, with the dial failure as the reason', () => {
    const p = theProblem(withPeer(B, { connections: [], probe: null, dialFailure: { cause: 'timeout', reason: 'TimeoutError: aborted', agoMs: 300 } }), /is in gossip but not connected to this node/)
    assert.match(p.why, /times out.*direct connection/)
    // No dial has failed yet: it is being connected, a warning only.
    const fresh = diagnose(withPeer(B, { connections: [], probe: null }))
    assert.equal(healthy(fresh), true)
    const pending = fresh.find(f => /is in gossip but not connected/.test(f.what))!
    assert.equal(pending.severity, 'warn')
    assert.match(pending.why, /no dial has failed yet/)
  })

  test('a node connected for long without a heartbeat is missing from gossip; a fresh connection is fine', () => {
    const silent = peer(W, { member: null, voter: false, connections: [{ addr: '/ip4/10.0.0.7/tcp/4001', ageMs: 20_000 }] })
    const p = theProblem(facts({ peers: [peer(B), peer(C), silent] }), /connected but missing from gossip/)
    assert.match(p.why, /another --cluster name/)
    const fresh = { ...silent, connections: [{ addr: '/ip4/10.0.0.7/tcp/4001', ageMs: 200 }] }
    const found = diagnose(facts({ peers: [peer(B), peer(C), fresh] }))
    assert.equal(healthy(found), true)
    assert.ok(found.some(f => /just connected/.test(f.what)))
  })

  test('no master and no agreed voter set: says how many nodes are seen of --expect', () => {
    const p = theProblem(facts({ voters: null, master: null, expect: 5 }), /voter set is not agreed/)
    assert.match(p.why, /--expect 5 nodes see each other; this node sees 3/)
  })

  test('alone: mDNS off and no --peer, or mDNS on but nobody heard', () => {
    const lonely = diagnose(facts({ peers: [], voters: null, master: null, mdns: { enabled: false, discovered: 0 } }))
    assert.match(lonely.find(f => f.what === 'this node sees no other node')!.why, /mDNS is off .* no --peer/)
    const quiet = diagnose(facts({ peers: [], voters: null, master: null, mdns: { enabled: true, discovered: 0 } }))
    assert.match(quiet.find(f => f.what === 'this node sees no other node')!.why, /multicast may be blocked/)
  })

  test('mDNS on but nothing discovered while peers are known: a warning about multicast', () => {
    const found = diagnose(facts({ mdns: { enabled: true, discovered: 0 }, explicitPeers: 2 }))
    assert.equal(healthy(found), true)
    assert.match(found.find(f => f.severity === 'warn')!.what, /mDNS is on but discovered no peer/)
  })

  test('an open cluster is a warning, not a problem', () => {
    const found = diagnose(facts({ openCluster: true }))
    assert.equal(healthy(found), true)
    assert.deepEqual(found.filter(f => f.severity === 'warn').map(f => f.what), ['open cluster: no cluster secret'])
  })

  test('clocks: a wall-clock offset beyond maxDriftMs warns; a rate difference beyond the election bound is a problem', () => {
    const offset = diagnose(withPeer(B, { probe: { ok: true, clock: { ...goodClock, offsetMs: -180.4 } } }))
    assert.equal(healthy(offset), true)
    const warn = offset.find(f => f.severity === 'warn')!
    assert.match(warn.what, /wall clock of voter \w+ is -180\.4 ms off ours/)
    assert.match(warn.why, /--max-drift-ms 50/)
    // Within the measurement's uncertainty (rtt / 2): no warning.
    const fuzzy = diagnose(withPeer(B, { probe: { ok: true, clock: { ...goodClock, rttMs: 150, offsetMs: 90 } } }))
    assert.equal(fuzzy.filter(f => /wall clock/.test(f.what)).length, 0)

    const fast = theProblem(withPeer(C, { probe: { ok: true, clock: { ...goodClock, rate: { drift: 0.08, uncertainty: 0.01 } } } }), /runs at another rate/)
    assert.match(fast.why, /8\.00 % \(± 1\.00 %\) faster.*at most 5\.26 %/)
    // Same drift, but too imprecise to tell: not a problem.
    assert.equal(healthy(diagnose(withPeer(C, { probe: { ok: true, clock: { ...goodClock, rate: { drift: 0.08, uncertainty: 0.05 } } } }))), true)
  })

  test('a slow round trip compared with lease renewals warns', () => {
    const found = diagnose(withPeer(B, { probe: { ok: true, clock: { ...goodClock, rttMs: 140 } } }))
    assert.equal(healthy(found), true)
    assert.match(found.find(f => f.severity === 'warn')!.what, /round trip to voter \w+ is 140 ms/)
  })

  test('a worker that left gracefully is not reported; a worker that went silent is a warning; mixed versions warn', () => {
    const worker = (change: Partial<NonNullable<PeerFacts['member']>>): PeerFacts => peer(W, { voter: false, connections: [], probe: null, member: { ...peer(W).member!, role: 'worker', state: 'dead', lastSeenMs: 30_000, ...change } })
    const left = diagnose(facts({ peers: [peer(B), peer(C), worker({ deadReason: 'left' })] }))
    assert.equal(left.some(f => f.what.includes(W.slice(-8))), false)
    const silent = diagnose(facts({ peers: [peer(B), peer(C), worker({ deadReason: 'timeout' })] }))
    assert.equal(healthy(silent), true)
    assert.match(silent.find(f => f.severity === 'warn')!.what, /worker \w+ is dead/)
    const old = diagnose(withPeer(B, { member: { ...peer(B).member!, version: '0.0.9' } }))
    assert.match(old.find(f => f.severity === 'warn')!.what, /runs version 0\.0\.9, this node 0\.1\.0/)
  })

  test('a peer too old to serve queries: a warning naming its version, and it still counts towards the quorum', () => {
    const old = withPeer(B, { probe: { ok: false, reason: 'it does not serve the query protocol', unsupported: true }, member: { ...peer(B).member!, version: '0.0.9' } })
    const found = diagnose(old)
    assert.equal(healthy(found), true)
    assert.deepEqual(found.filter(f => f.severity === 'warn').map(f => f.what), [`voter ${B.slice(-8)} does not serve the query protocol`])
    assert.match(found.find(f => f.severity === 'warn')!.why, /version 0\.0\.9 \(this node 0\.1\.0\)/)
    assert.ok(found.some(f => f.what === 'all 3 voters reachable (quorum 2)'))
  })

  test('rejected heartbeats and dropped frames warn', () => {
    const found = diagnose(facts({ gossip: { published: 1, received: 2, rejected: 3 }, droppedFrames: 1 }))
    assert.deepEqual(found.filter(f => f.severity === 'warn').map(f => f.what), ['3 heartbeats rejected', '1 frame dropped'])
  })

  test('reachable: connected, answering and not dead', () => {
    assert.equal(reachable(peer(B)), true)
    assert.equal(reachable(peer(B, { connections: [] })), false)
    assert.equal(reachable(peer(B, { probe: { ok: false, reason: 'x' } })), false)
    assert.equal(reachable(peer(B, { probe: null })), false)
    assert.equal(reachable(peer(B, { probe: { ok: false, reason: 'old', unsupported: true } })), true)
    assert.equal(reachable(peer(B, { member: { ...peer(B).member!, state: 'dead' } })), false)
  })

  test('property: every finding is worded, a problem always says what to do, and the verdict matches the findings', () => {
    const failure = fc.option(fc.record({ cause: fc.constantFrom('refused', 'timeout', 'handshake', 'handshake-timeout', 'other' as const), reason: fc.string({ maxLength: 20 }), agoMs: fc.nat(100_000) }), { nil: null })
    const member = fc.option(fc.record({
      state: fc.constantFrom('alive', 'suspect', 'dead' as const),
      role: fc.constantFrom('master', 'voter', 'worker' as const),
      version: fc.constantFrom('0.1.0', '0.2.0'),
      lastSeenMs: fc.nat(100_000),
      addrs: fc.constant(['/ip4/10.0.0.2/tcp/4001']),
      deadReason: fc.constantFrom('left', 'timeout' as const)
    }), { nil: null })
    const probe = fc.option(fc.oneof(
      fc.record({ ok: fc.constant(true as const), clock: fc.record({ rttMs: fc.double({ min: 0, max: 500, noNaN: true }), offsetMs: fc.double({ min: -1000, max: 1000, noNaN: true }), samples: fc.constant(6), rate: fc.constant(null) }) }),
      fc.record({ ok: fc.constant(false as const), reason: fc.string({ maxLength: 20 }) })
    ), { nil: null })
    const peerArb = fc.record({
      id: fc.constantFrom(B, C, W),
      member,
      voter: fc.boolean(),
      connections: fc.array(fc.record({ addr: fc.constant('/ip4/10.0.0.2/tcp/4001'), ageMs: fc.nat(60_000) }), { maxLength: 2 }),
      discovered: fc.boolean(),
      dialFailure: failure,
      probe
    })
    fc.assert(fc.property(
      fc.uniqueArray(peerArb, { selector: p => p.id, maxLength: 3 }),
      fc.boolean(), fc.boolean(), fc.nat(3), fc.boolean(),
      (peers, open, mdns, discovered, hasMaster) => {
        const f = facts({ peers, openCluster: open, mdns: { enabled: mdns, discovered }, master: hasMaster ? { id: SELF, epoch: 1 } : null })
        const found = diagnose(f)
        for (const x of found) {
          assert.ok(x.what.length > 0)
          if (x.severity !== 'ok') assert.ok(x.why.length > 0 && x.fix.length > 0, JSON.stringify(x))
        }
        assert.equal(healthy(found), !found.some(x => x.severity === 'problem'))
        if (!hasMaster) assert.equal(healthy(found), false)
      }
    ))
  })
})
