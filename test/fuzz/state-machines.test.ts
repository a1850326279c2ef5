// The state machines fed random and mutated messages along the paths the drivers use (decode,
// then apply): nothing throws, and what is refused (undecodable, or from a node with no say)
// leaves the state as it was.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { pino } from 'pino'
import { defaultElectionParams } from '../../src/core/election/params.js'
import { createPolicy } from '../../src/core/scheduler/policy.js'
import type { ClusterClaim, NodeId } from '../../src/core/types.js'
import type { ElectionMessage } from '../../src/core/election/types.js'
import { VoterGatedElection } from '../../src/node/election-driver.js'
import { MembershipDriver } from '../../src/node/membership-driver.js'
import { TaskDriver } from '../../src/node/task-driver.js'
import type { PeerChannels } from '../../src/net/peer-channels.js'
import { noEvents } from '../../src/observability/event-log.js'
import { decodeElection, encodeElection } from '../../src/wire/election.js'
import { encodeGossip } from '../../src/wire/heartbeat.js'
import { decodeTaskFrame, encodeTaskFrame } from '../../src/wire/tasks.js'
import { fuzz, fuzzAsync } from './support.js'
import { asValue, hostileFrames } from './mutate.js'
import { electionArb, gossipArb, nodeIdArb, taskFrameArb } from './samples.js'

const silent = pino({ level: 'silent' })
const ABC = ['a', 'b', 'c']
const OUTSIDER = 'h'
/** An outsider no generated voter set names (voters may legitimately name 'h'). */
const STRANGER = 'stranger0'

/** Frames as a peer sends them: valid ones, and every kind of broken one. */
function framesOf<T> (valid: fc.Arbitrary<T>, encode: (v: T) => Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(valid.map(encode), hostileFrames(valid.map(encode), valid.map(v => asValue(encode(v)))))
}

const claim = (voters: NodeId[] | null, epoch = 0): ClusterClaim => ({ voters, proposal: voters === null ? ABC : null, epoch, master: null })

describe('state machines under fuzzing', () => {
  test('membership: gossip from any author never throws; what is not accepted changes nothing', () => {
    // Authors are often the id the heartbeat names (so valid ones are accepted), often not (forged).
    const op = fc.record({ frame: framesOf(gossipArb, encodeGossip), author: fc.option(nodeIdArb, { freq: 2 }), dt: fc.nat(2000) })
    fuzz('state/membership', fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
      let now = 0
      const driver = new MembershipDriver({ selfId: 'self', suspectMs: 1500, deadMs: 3000, heartbeatMs: 500, clock: { now: () => now }, log: silent, heartbeat: () => { throw new Error('not publishing') }, onEvents: () => {} })
      const accepted = new Set<string>()
      for (const { frame, author, dt } of ops) {
        now += dt
        driver.tick()
        const named = (() => { try { const v = asValue(frame) as any; return String(v?.hb?.id ?? v?.leave?.id ?? 'x') } catch { return 'x' } })()
        const from = author ?? named
        const before = driver.view.members()
        const verdict = driver.onGossip(from, frame)
        if (verdict === 'accept') accepted.add(from)
        else assert.deepEqual(driver.view.members(), before, `a ${verdict}ed message changed the view`)
      }
      assert.ok(driver.view.size <= accepted.size)
    })
  })

  test('election: frames from voters and outsiders never throw; outsiders change nothing; what it sends, peers accept', () => {
    // Voters are trusted not to jump terms by 2^53 (see docs/security.md); outsiders may send anything.
    const realisticTerm = fc.nat(1000)
    const op = fc.oneof(
      fc.record({ from: fc.constantFrom('a', 'b'), frame: framesOf(electionArb(realisticTerm), encodeElection), dt: fc.nat(300) }),
      fc.record({ from: fc.constantFrom(STRANGER, 'x1'), frame: framesOf(electionArb(), encodeElection), dt: fc.nat(300) })
    )
    fuzz('state/election', fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
      let now = 0
      let refused = 0
      const e = new VoterGatedElection('c', defaultElectionParams, { next: () => 0.5 }, 0, undefined, () => { refused++ })
      e.observeClaims(new Map([['a', claim(null)], ['b', claim(null)]]), ['a', 'b'], 0)
      e.advance()
      for (const { from, frame, dt } of ops) {
        now += dt
        e.tick(now)
        e.observeClaims(new Map([['a', claim(ABC)], ['b', claim(ABC)], [STRANGER, claim(ABC, Number.MAX_SAFE_INTEGER)]]), ['a', 'b', STRANGER], now)
        const decoded = decodeElection(frame)
        if (!decoded.ok) continue
        // A voter is trusted with terms: one that jumps to the end of the number line is a known
        // limit (docs/security.md), not what this property is about.
        if (!isOutsider(from) && maxTerm(decoded.value) > 1e9) continue
        const status = e.status(now)
        const before = JSON.stringify(status)
        const pending = e.ready().messages.length
        const refusedBefore = refused
        // Who is an outsider can change: a voter may announce another voter set.
        const stillABC = JSON.stringify(status.voters) === JSON.stringify(ABC) && status.pendingConfig === null
        e.step(from, decoded.value, now)
        if (stillABC && isOutsider(from)) assert.equal(refused, refusedBefore + 1, 'an outsider was heard')
        if (refused > refusedBefore) {
          assert.equal(JSON.stringify(e.status(now)), before, 'an outsider changed the election')
          assert.equal(e.ready().messages.length, pending, 'an outsider got an answer')
        }
        const ready = e.ready()
        for (const { msg } of ready.messages) {
          const back = decodeElection(encodeElection(msg))
          assert.ok(back.ok, `this node sent a message its peers refuse: ${back.ok ? '' : back.reason}`)
        }
        assert.ok(Number.isSafeInteger(e.status(now).term))
        e.advance()
      }
    }, 2)
  })

  test('tasks, on a worker: hostile frames never throw, never settle its tasks, and orders from outsiders change nothing', async () => {
    const op = fc.record({ from: fc.constantFrom(OUTSIDER, 'p'), frame: framesOf(taskFrameArb, encodeTaskFrame), dt: fc.nat(500) })
    await fuzzAsync('state/tasks-worker', fc.array(op, { minLength: 1, maxLength: 15 }), async (ops) => {
      const node = workerNode()
      for (const { from, frame, dt } of ops) {
        node.clock.t += dt
        const worker = JSON.stringify(node.driver.workerSnapshot())
        node.driver.onFrame(from, frame)
        assert.equal(JSON.stringify(node.driver.workerSnapshot()), worker, 'a node outside the voter set moved the worker')
        for (const id of ['t1', 't2', 't3']) assert.equal(node.driver.task(id)?.pending, true, `task ${id} was settled by ${from}`)
        if (dt > 400) await settle()
      }
      node.driver.stop()
    }, 0.5)
  })

  test('tasks, on the master: hostile frames never throw; undecodable ones change nothing; the node still runs tasks', async () => {
    const op = fc.record({ from: fc.constantFrom(OUTSIDER, 'p', 'a'), frame: framesOf(taskFrameArb, encodeTaskFrame), dt: fc.nat(500) })
    await fuzzAsync('state/tasks-master', fc.array(op, { minLength: 1, maxLength: 15 }), async (ops) => {
      const node = await masterNode()
      for (const { from, frame, dt } of ops) {
        node.clock.t += dt
        node.election.tick(node.clock.t) // renews the lease, as the node's tick does
        node.election.advance()
        node.driver.tick()
        const before = JSON.stringify([node.driver.tableSnapshot(), node.driver.workerSnapshot()])
        node.driver.onFrame(from, frame)
        if (!decodeTaskFrame(frame).ok) assert.equal(JSON.stringify([node.driver.tableSnapshot(), node.driver.workerSnapshot()]), before)
        if (dt > 400) await settle()
      }
      await settle()
      const r = await node.driver.enqueue('echo', 'still here').result
      assert.deepEqual([r.ok, r.value], [true, 'still here'])
      node.driver.stop()
    }, 0.5)
  })
})

const isOutsider = (id: NodeId): boolean => !ABC.includes(id)

function maxTerm (msg: ElectionMessage): number {
  const m = msg as unknown as Record<string, unknown>
  return Math.max(...['term', 'promisedTerm'].map(k => typeof m[k] === 'number' ? m[k] : 0))
}

async function settle (): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise(resolve => setImmediate(resolve))
}

const channels = { send: () => true } as unknown as PeerChannels
const capacity = { slots: 8, cpus: 4, memTotalBytes: 1e9, memFreeBytes: 1e9, resources: {}, labels: {} }
const load = { running: 0, queued: 0, eventLoopDelayMs: 0, loadAvg1: 0 }

function taskDriver (self: NodeId, election: VoterGatedElection, clock: { t: number, now: () => number }): TaskDriver {
  const driver = new TaskDriver({
    selfId: self,
    clock,
    log: silent,
    election,
    slots: 8,
    maxPayloadBytes: 1024 * 1024,
    maxSubmitRate: 1000,
    cacheMaxBytes: 1024 * 1024,
    submitTimeoutMs: 3_600_000,
    maxQueue: 1000,
    masterTasks: true,
    policy: createPolicy('least-loaded'),
    workers: () => [{ id: self, capacity, load, handlers: ['echo', 'hang'], isMaster: true }],
    history: noEvents
  })
  driver.attach(channels)
  driver.handle('echo', (p) => p)
  driver.handle('hang', async () => await new Promise(() => {}))
  return driver
}

/** Worker 'w' of voters a, b, c, with 'a' announced master and three of its own tasks pending there. */
function workerNode (): { driver: TaskDriver, clock: { t: number, now: () => number } } {
  const clock = { t: 0, now () { return this.t } }
  const election = new VoterGatedElection('w', defaultElectionParams, { next: () => 0.5 }, 0, undefined, () => {})
  election.observeClaims(new Map(ABC.map(id => [id, claim(ABC)])), ABC, 0)
  election.step('a', { kind: 'master-announce', term: 1, master: 'a', leaseRemainingMs: 3_600_000 }, 0)
  election.advance()
  const driver = taskDriver('w', election, clock)
  driver.tick()
  for (const id of ['t1', 't2', 't3']) driver.enqueue('hang', null, { id })
  return { driver, clock }
}

/** A single-voter cluster: 'm' is master, worker and submitter. */
async function masterNode (): Promise<{ driver: TaskDriver, election: VoterGatedElection, clock: { t: number, now: () => number } }> {
  const clock = { t: 0, now () { return this.t } }
  const election = new VoterGatedElection('m', { ...defaultElectionParams, expect: 1 }, { next: () => 0 }, 0, undefined, () => {})
  election.observeClaims(new Map(), [], 0)
  election.tick(0)
  election.advance()
  const driver = taskDriver('m', election, clock)
  driver.tick()
  await settle()
  return { driver, election, clock }
}
