import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Election } from '../../src/core/election/election.js'
import type { ElectionEvent, LeaseRequest, LeaseResponse, PersistedElectionState } from '../../src/core/election/types.js'
import type { NodeId } from '../../src/core/types.js'
import { AP, Harness } from './election-autopilot-harness.js'

const LIMIT = AP.replaceDeadVoterAfterMs

/** The master's config changes, in order, as short strings. */
function changesAt (h: Harness, id: NodeId): string[] {
  return h.events.filter(e => e.node === id).map(e => e.event).flatMap((e: ElectionEvent) => {
    if (e.type === 'config-proposed') return [`propose v${e.version} ${e.change} ${e.voter}`]
    if (e.type === 'voter-added') return [`v${e.configVersion} +${e.voter}`]
    if (e.type === 'voter-removed') return [`v${e.configVersion} -${e.voter}`]
    return []
  })
}

function votersEverywhere (h: Harness, now: number): Map<NodeId, string> {
  return new Map([...h.nodes].map(([id, e]) => {
    const s = e.status(now)
    return [id, `v${s.configVersion} [${s.voters?.join(',')}]`]
  }))
}

describe('autopilot: replacing a dead voter', () => {
  test('a voter dead for replaceDeadVoterAfterMs is replaced one step at a time: add the worker, then remove the dead voter', () => {
    const h = new Harness(['a', 'b', 'c', 'x'])
    h.boot()
    assert.equal(h.master(600), 'a')
    h.kill('c', 1000)
    const done = h.runUntil(1000, now => h.node('a').status(now).configVersion === 2)
    assert.deepEqual(changesAt(h, 'a'), ['propose v1 add x', 'v1 +x', 'propose v2 remove c', 'v2 -c'])
    const proposedAt = h.events.findIndex(e => e.event.type === 'config-proposed')
    assert.ok(proposedAt >= 0)
    assert.ok(done >= 1000 + LIMIT, 'not before replaceDeadVoterAfterMs')
    const removed = h.eventsOf('a', 'voter-removed')[0]
    assert.ok(removed?.type === 'voter-removed' && /^dead for \d+ ms \(replaceDeadVoterAfterMs 1000\)$/.test(removed.reason))
    h.run(done, done + 500)
    for (const [id, voters] of votersEverywhere(h, done + 500)) assert.equal(voters, 'v2 [a,b,x]', `${id} knows the new set`)
    assert.equal(h.node('x').status(done + 500).role, 'voter')
    assert.equal(h.node('x').claim().configVersion, 2, 'heartbeats spread the version')
    assert.equal(h.master(done + 500), 'a', 'no failover on the way')
  })

  test('nothing happens before replaceDeadVoterAfterMs, nor when the voter comes back in time', () => {
    const h = new Harness(['a', 'b', 'c', 'x'])
    h.boot()
    h.kill('c', 1000)
    h.run(1000, 1000 + LIMIT - 20)
    assert.deepEqual(changesAt(h, 'a'), [])
    h.start('c', 1000 + LIMIT - 10)
    h.run(1000 + LIMIT - 10, 5000)
    assert.deepEqual(changesAt(h, 'a'), [])
    assert.equal(h.node('a').status(5000).configVersion, 0)
  })

  test('never a suspect worker: the lowest-id healthy one is chosen; with none, nothing changes', () => {
    const h = new Harness(['a', 'b', 'c', 'x', 'y'])
    h.health = (_, id) => id === 'x' ? { state: 'suspect', since: 0 } : undefined
    h.boot()
    h.kill('c', 1000)
    h.runUntil(1000, now => h.node('a').status(now).configVersion === 2)
    assert.deepEqual(changesAt(h, 'a'), ['propose v1 add y', 'v1 +y', 'propose v2 remove c', 'v2 -c'])

    const lone = new Harness(['a', 'b', 'c', 'x'])
    lone.health = (_, id) => id === 'x' ? { state: 'suspect', since: 0 } : undefined
    lone.boot()
    lone.kill('c', 1000)
    lone.run(1000, 6000)
    assert.deepEqual(changesAt(lone, 'a'), [], 'no healthy worker: the dead voter stays')
  })

  test('only the master proposes, and only while it holds a quorum', () => {
    const h = new Harness(['a', 'b', 'c', 'x'])
    h.boot()
    h.kill('b', 1000)
    h.kill('c', 1000)
    h.run(1000, 6000)
    for (const id of ['a', 'x']) assert.deepEqual(changesAt(h, id), [], `${id} changed nothing`)
    assert.equal(h.master(6000), null, 'two of three voters gone: no master, so no change')
  })

  test('a change commits only once the new voter holds it too; until then the old set stays in force', () => {
    const h = new Harness(['a', 'b', 'c', 'x'])
    h.boot()
    let reachX = false
    h.drop = (_, to) => to === 'x' && !reachX
    h.kill('c', 1000)
    h.run(1000, 4000)
    assert.deepEqual(changesAt(h, 'a'), ['propose v1 add x'], 'a quorum of the old set alone does not commit')
    const s = h.node('a').status(4000)
    assert.deepEqual([s.configVersion, s.pendingConfig], [0, { version: 1, voters: ['a', 'b', 'c', 'x'] }])
    assert.equal(h.master(4000), 'a')
    reachX = true
    h.runUntil(4000, now => h.node('a').status(now).configVersion === 2)
    assert.deepEqual(changesAt(h, 'a'), ['propose v1 add x', 'v1 +x', 'propose v2 remove c', 'v2 -c'])
  })
})

describe('autopilot: the master dying in the middle of a change', () => {
  /** Five voters a..e and a worker x; e dies; a proposes to add x but never hears the answers. */
  function proposeThenDie (commitFirst: boolean): { h: Harness, diedAt: number } {
    const h = new Harness(['a', 'b', 'c', 'd', 'e', 'x'], 5)
    h.boot()
    h.kill('e', 1000)
    // Acknowledgements reach a only if the change is to commit before a dies.
    h.drop = (from, to, msg) => !commitFirst && to === 'a' && msg.kind === 'lease-response' && from !== 'a' &&
      h.node('a').status(0).pendingConfig !== null
    const diedAt = h.runUntil(1000, () => commitFirst
      ? h.eventsOf('a', 'voter-added').length > 0
      : ['b', 'c', 'x'].every(id => h.disks.get(id)?.pending?.voters.includes('x') === true))
    h.kill('a', diedAt)
    h.drop = () => false
    return { h, diedAt }
  }

  test('acknowledged by a quorum but not committed: the next master finishes the same change, then removes the dead voter', () => {
    const { h, diedAt } = proposeThenDie(false)
    assert.deepEqual(changesAt(h, 'a'), ['propose v1 add x'])
    const end = h.runUntil(diedAt, now => h.master(now) !== null && h.node(h.master(now)!).status(now).configVersion === 2)
    const next = h.master(end)!
    assert.notEqual(next, 'a')
    assert.deepEqual(changesAt(h, next).filter(c => c.startsWith('v')), ['v1 +x', 'v2 -e'])
    assert.deepEqual(h.node(next).status(end).voters, ['a', 'b', 'c', 'd', 'x'])
  })

  test('committed but nobody told: the next master, which holds the change, commits the same set', () => {
    const { h, diedAt } = proposeThenDie(true)
    assert.equal(h.disks.get('a')?.configVersion, 1, 'a committed and persisted set 1')
    const end = h.runUntil(diedAt, now => h.master(now) !== null && h.node(h.master(now)!).status(now).configVersion === 2)
    assert.deepEqual(h.node(h.master(end)!).status(end).voters, ['a', 'b', 'c', 'd', 'x'])
    // a comes back: it knows set 1 and learns set 2, which still has it.
    h.start('a', end)
    h.run(end, end + 1500)
    assert.deepEqual(h.node('a').status(end + 1500).voters, ['a', 'b', 'c', 'd', 'x'])
  })

  test('a change proposed by an earlier master is re-proposed at the new master\'s term before it counts (Raft\'s commit rule)', () => {
    // a proposes to add x (held by a and x only) and dies; b, elected without it, proposes to add
    // y (held by b and y only) and dies; a comes back, is elected and must finish its change at
    // its new term: then b, back with a newer-stamped but never committed change, cannot be
    // elected by voters that hold a's, and never commits a second set 1.
    const h = new Harness(['a', 'b', 'c', 'd', 'e', 'x', 'y'], 5)
    h.health = (observer, id) => observer === 'b' && id === 'x' ? { state: 'suspect', since: 0 } : undefined
    h.boot()
    h.kill('e', 1000)
    const heldOnlyBy = (proposer: NodeId, peer: NodeId) => (from: NodeId, to: NodeId, msg: { kind: string }) =>
      h.isUp(proposer) && h.node(proposer).status(0).pendingConfig !== null && (from === proposer || to === proposer) &&
      from !== peer && to !== peer && msg.kind !== 'master-announce'
    h.drop = heldOnlyBy('a', 'x')
    const aProposed = h.runUntil(1000, () => h.disks.get('x')?.pending != null)
    h.kill('a', aProposed)
    h.drop = heldOnlyBy('b', 'y')
    const bProposed = h.runUntil(aProposed, () => h.disks.get('y')?.pending != null)
    assert.deepEqual(h.disks.get('y')?.pending?.voters, ['a', 'b', 'c', 'd', 'e', 'y'])
    assert.ok(h.disks.get('y')!.pending!.term > h.disks.get('x')!.pending!.term, 'b\'s change is stamped later than a\'s')
    h.kill('b', bProposed)
    h.drop = () => false
    h.start('a', bProposed)
    const aCommitted = h.runUntil(bProposed, () => h.disks.get('a')?.configVersion === 1)
    assert.deepEqual(h.disks.get('a')?.voters, ['a', 'b', 'c', 'd', 'e', 'x'])
    h.kill('a', aCommitted)
    h.start('b', aCommitted)
    const end = h.runUntil(aCommitted, now => h.master(now) !== null && !(h.node(h.master(now)!).status(now).voters ?? []).includes('e'))
    const setOne = h.events.flatMap(({ node, event }) => event.type === 'voter-added' && event.configVersion === 1 ? [`${node} +${event.voter}`] : [])
    assert.ok(setOne.length > 0 && setOne.every(s => s.endsWith('+x')), `set 1 always adds x, never y: ${setOne.join(', ')}`)
    assert.ok(h.node(h.master(end)!).status(end).voters?.includes('x'), 'the cluster went on from a\'s change')
  })
})

describe('autopilot: removed voters and restarts', () => {
  /** a, b, c and worker x; c dies and is replaced: set 2 is [a, b, x]. */
  function replaced (): { h: Harness, at: number } {
    const h = new Harness(['a', 'b', 'c', 'x'])
    h.boot()
    h.kill('c', 1000)
    const at = h.runUntil(1000, now => h.node('a').status(now).configVersion === 2)
    h.run(at, at + 300)
    return { h, at: at + 300 }
  }

  test('a removed voter that comes back is a worker: it learns the new set from the master and never campaigns', () => {
    const { h, at } = replaced()
    assert.deepEqual(h.disks.get('c')?.voters, ['a', 'b', 'c'], 'c still believes in the old set')
    const before = h.events.length
    h.start('c', at)
    h.run(at, at + 3000)
    const c = h.node('c').status(at + 3000)
    assert.deepEqual([c.role, c.configVersion, c.voters], ['worker', 2, ['a', 'b', 'x']])
    const later = h.events.slice(before).filter(e => e.node === 'c').map(e => e.event.type)
    assert.ok(!later.includes('campaign-started'), 'it never campaigned')
    assert.ok(later.includes('voter-removed'))
    assert.equal(h.master(at + 3000), 'a')
  })

  test('a stale voter that does campaign is refused by up-to-date voters, and learns the set from the refusal', () => {
    const { h, at } = replaced()
    const stale = new Election('c', AP, { next: () => 0 }, at, h.disks.get('c'))
    for (let t = at; t <= at + AP.leaseMs; t += 10) stale.tick(t)
    const req = stale.ready().messages.find(m => m.to === 'b' && m.msg.kind === 'lease-request')?.msg as LeaseRequest
    assert.ok(req !== undefined, 'out of quarantine, it campaigns with the old set')
    stale.advance()
    const b = h.node('b')
    b.step('c', req, at + AP.leaseMs + 5000)
    const answer = b.ready().messages.find(m => m.to === 'c')?.msg as LeaseResponse
    b.advance()
    assert.equal(answer.granted, false)
    assert.deepEqual(answer.config?.committed.voters, ['a', 'b', 'x'])
    stale.step('b', answer, at + AP.leaseMs + 1)
    assert.deepEqual([stale.status(at + AP.leaseMs + 1).configVersion, stale.status(at + AP.leaseMs + 1).role], [2, 'worker'])
  })

  test('the voter set, its version and the change in flight survive a restart', () => {
    const h = new Harness(['a', 'b', 'c', 'x'])
    h.boot()
    // x's acknowledgements are lost: the change cannot commit, but b holds it.
    h.drop = (from, to, msg) => to === 'a' && msg.kind === 'lease-response' && from === 'x'
    h.kill('c', 1000)
    const held = h.runUntil(1000, () => h.disks.get('b')?.pending != null)
    const disk: PersistedElectionState = h.disks.get('b')!
    assert.deepEqual([disk.configVersion, disk.pending?.version, disk.pending?.voters], [0, 1, ['a', 'b', 'c', 'x']])
    const b = new Election('b', AP, { next: () => 0 }, held, disk)
    assert.deepEqual(b.status(held).pendingConfig, { version: 1, voters: ['a', 'b', 'c', 'x'] })
    h.drop = () => false
    const at = h.runUntil(held, now => h.node('a').status(now).configVersion === 2) + 300
    h.run(at - 300, at)
    const final = h.disks.get('b')!
    assert.deepEqual([final.voters, final.configVersion, final.pending], [['a', 'b', 'x'], 2, null])
    const restarted = new Election('b', AP, { next: () => 0 }, at, final)
    assert.deepEqual([restarted.status(at).voters, restarted.status(at).configVersion], [['a', 'b', 'x'], 2])
  })
})

describe('the grant rule with voter sets', () => {
  test('a new promise needs a candidate at least as up to date; the holder\'s renewal does not', () => {
    const { h, at } = (() => {
      const h = new Harness(['a', 'b', 'c', 'x'])
      h.boot()
      h.kill('c', 1000)
      const at = h.runUntil(1000, now => h.node('a').status(now).configVersion === 2)
      return { h, at }
    })()
    const b = h.node('b')
    const term = b.highestSeenTerm
    b.step('a', { kind: 'release', term }, at)
    b.ready()
    b.advance()
    // x, a voter of set 2, campaigns with nothing but the bootstrap set: refused.
    b.step('x', { kind: 'lease-request', term: term + 1, candidate: 'x', reqId: 1 }, at + 1)
    const refused = b.ready().messages.find(m => m.to === 'x')!.msg as LeaseResponse
    b.advance()
    assert.equal(refused.granted, false)
    assert.equal(refused.config?.committed.version, 2, 'the refusal carries what the candidate missed')
  })

  test('a voter of both sets refuses a new promise to a candidate that counts against an older set', () => {
    // b knows set 2 [a, b, x]; a campaigns counting against set 1 [a, b, c, x], which b is in.
    const b = new Election('b', AP, { next: () => 0 }, 0, {
      promisedTerm: 3, holder: null, highestTerm: 3, voters: ['a', 'b', 'x'], configVersion: 2, configTerm: 3, pending: null
    })
    const stale = { committed: { version: 1, term: 2, voters: ['a', 'b', 'c', 'x'] }, pending: null }
    b.step('a', { kind: 'lease-request', term: 9, candidate: 'a', reqId: 1, config: stale }, AP.leaseMs)
    const refused = b.ready().messages[0]!.msg as LeaseResponse
    b.advance()
    assert.equal(refused.granted, false, 'not up to date: set 1 is older than set 2')
    assert.equal(refused.config?.committed.version, 2)
    const current = { committed: { version: 2, term: 3, voters: ['a', 'b', 'x'] }, pending: null }
    b.step('a', { kind: 'lease-request', term: 9, candidate: 'a', reqId: 2, config: current }, AP.leaseMs)
    assert.equal((b.ready().messages[0]!.msg as LeaseResponse).granted, true)
  })

  test('a master refused a term a voter already spent moves to a new epoch at its next renewal', () => {
    const a = new Election('a', { ...AP, expect: 3 }, { next: () => 0 }, 0)
    a.observeClaims(new Map(['b', 'c'].map(id => [id, { voters: null, proposal: ['a', 'b', 'c'], epoch: 0, master: null }])), ['b', 'c'], 0)
    a.advance()
    a.tick(0)
    const req = a.ready().messages.find(m => m.to === 'b')!.msg as LeaseRequest
    a.advance()
    a.step('b', { kind: 'lease-response', term: req.term, reqId: req.reqId, granted: true, promisedTerm: req.term, holder: 'a', remainingMs: 1000 }, 1)
    // c promised this term to another candidate that released it: it can never grant it to a.
    a.step('c', { kind: 'lease-response', term: req.term, reqId: req.reqId, granted: false, promisedTerm: req.term, holder: null, remainingMs: 0 }, 2)
    assert.equal(a.isMaster(2), true)
    a.advance()
    a.tick(AP.renewMs)
    const renewal = a.ready().messages.find(m => m.to === 'c')!.msg as LeaseRequest
    assert.equal(renewal.term, req.term + 1, 'the renewal asks for a term c can grant')
  })
})
