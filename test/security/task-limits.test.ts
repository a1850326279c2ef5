// The task path's limits on a one-node cluster in-process: the master's per-node submission rate,
// the payload limit at submit, and the result limit on the worker.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { defaultElectionParams } from '../../src/core/election/params.js'
import { createPolicy } from '../../src/core/scheduler/policy.js'
import type { RejectedMessage, TaskMessage } from '../../src/core/tasks/messages.js'
import type { TaskSpec } from '../../src/core/tasks/types.js'
import { VoterGatedElection } from '../../src/node/election-driver.js'
import { TaskDriver, type TaskDriverOptions } from '../../src/node/task-driver.js'
import type { PeerChannels } from '../../src/net/peer-channels.js'
import { noEvents } from '../../src/observability/event-log.js'
import { decodeTaskFrame, encodeTaskFrame } from '../../src/wire/tasks.js'

const SELF = 'm'

interface Harness {
  driver: TaskDriver
  /** Messages the driver sent to each peer. */
  sent: (peer: string) => TaskMessage[]
  logs: Array<{ msg: string, [k: string]: unknown }>
}

async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
}

/** A single-voter cluster: this node is master, worker and submitter. */
async function masterNode (over: Partial<TaskDriverOptions> = {}): Promise<Harness> {
  const clock = { t: 0, now () { return this.t } }
  const election = new VoterGatedElection(SELF, { ...defaultElectionParams, expect: 1 }, { next: () => 0 }, 0, undefined, () => {})
  election.observeClaims(new Map(), [], 0)
  election.tick(0)
  election.advance()
  assert.equal(election.orderEpoch(0), 1, 'the single voter elects itself')
  const logs: Harness['logs'] = []
  const log = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line)) } })
  const frames = new Map<string, TaskMessage[]>()
  const channels = {
    send (peer: string, frame: Uint8Array): boolean {
      const decoded = decodeTaskFrame(frame)
      assert.ok(decoded.ok, 'the driver sends only well-formed frames')
      frames.set(peer, [...frames.get(peer) ?? [], ...decoded.value])
      return true
    }
  }
  const driver = new TaskDriver({
    selfId: SELF,
    clock,
    log,
    election,
    slots: 64,
    maxPayloadBytes: 1024 * 1024,
    maxSubmitRate: 10,
    cacheMaxBytes: 0,
    submitTimeoutMs: 30_000,
    maxQueue: 100_000,
    masterTasks: true,
    policy: createPolicy('least-loaded'),
    workers: () => [{
      id: SELF,
      capacity: { slots: 64, cpus: 4, memTotalBytes: 1e9, memFreeBytes: 1e9, resources: {}, labels: {} },
      load: { running: 0, queued: 0, eventLoopDelayMs: 0, loadAvg1: 0 },
      handlers: ['echo', 'big'],
      isMaster: true
    }],
    history: noEvents,
    ...over
  })
  driver.attach(channels as unknown as PeerChannels)
  driver.handle('echo', (p) => p)
  driver.handle('big', () => 'x'.repeat(200))
  driver.tick() // creates the table; this node reports to itself and the table turns active
  await settle()
  assert.ok(driver.isMasterTable)
  return { driver, sent: peer => frames.get(peer) ?? [], logs }
}

function specs (submitter: string, ids: string[]): TaskSpec[] {
  return ids.map(id => ({
    id, type: 'echo', payload: id, priority: 0, req: { slots: 1, cpus: 0, memoryBytes: 0, resources: {}, constraints: {} },
    timeoutMs: 10_000, retries: 0, backoffMs: 0, submitter
  }))
}

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
/** Ids the master took on: acknowledged, or already answered (an acceptance folds into its result). */
const accepted = (msgs: TaskMessage[]): string[] => [...new Set(msgs.flatMap(m => m.kind === 'accepted' ? m.ids : m.kind === 'result' ? [m.id] : []))]
const rejected = (msgs: TaskMessage[]): RejectedMessage[] => msgs.flatMap(m => m.kind === 'rejected' ? [m] : [])

describe('limits on the task path', () => {
  test('the master refuses a node\'s submissions over the rate, one by one with a reason; re-sends and other nodes pass', async () => {
    const h = await masterNode()
    h.driver.onFrame('p', encodeTaskFrame([{ kind: 'submit', tasks: specs('p', ids('a', 30)) }]))
    await settle()
    assert.deepEqual(accepted(h.sent('p')).sort(), ids('a', 10).sort())
    const refused = rejected(h.sent('p'))
    assert.deepEqual(refused.map(r => r.id).sort(), ids('a', 30).slice(10).sort())
    for (const r of refused) {
      assert.equal(r.code, 'queue-full')
      assert.match(r.reason, /^rate-limited: this node submitted more than 10 tasks per second/)
    }

    // A re-send of accepted work is not new work: it passes with the bucket empty.
    h.driver.onFrame('p', encodeTaskFrame([{ kind: 'submit', tasks: specs('p', ids('a', 10)) }]))
    h.driver.onFrame('p', encodeTaskFrame([{ kind: 'submit', tasks: specs('p', ['late']) }]))
    await settle()
    assert.equal(rejected(h.sent('p')).length, 21, 'only the new task is refused')
    assert.equal(rejected(h.sent('p')).at(-1)?.id, 'late')

    h.driver.onFrame('q', encodeTaskFrame([{ kind: 'submit', tasks: specs('q', ids('b', 10)) }]))
    await settle()
    assert.deepEqual(rejected(h.sent('q')), [], 'another node has its own bucket')

    const limitLines = h.logs.filter(l => l.msg === 'submissions over the rate limit refused')
    assert.equal(limitLines.length, 1, 'the log says it once, not per frame')
    h.driver.stop()
  })

  test('a payload over maxPayloadBytes, or a spec the master would refuse, fails at submit instead of poisoning a frame', async () => {
    const h = await masterNode({ maxPayloadBytes: 100 })
    assert.throws(() => h.driver.enqueue('echo', 'x'.repeat(200)), { name: 'TypeError', message: /payload: 202 bytes of JSON, limit is 100/ })
    const constraints = Object.fromEntries(ids('k', 33).map(k => [k, 'v']))
    assert.throws(() => h.driver.enqueue('echo', 1, { constraints }), { name: 'TypeError', message: /constraints: 33 entries, at most 32/ })
    let deep: unknown = 1
    for (let i = 0; i < 70; i++) deep = [deep]
    assert.throws(() => h.driver.enqueue('echo', deep as never), /nested deeper than 64 levels/)
    const fine = await h.driver.enqueue('echo', 'x'.repeat(90)).result
    assert.equal(fine.ok, true)
    h.driver.stop()
  })

  test('a result over maxPayloadBytes fails as result-too-large on the worker rather than being refused by the master', async () => {
    const h = await masterNode({ maxPayloadBytes: 100 })
    const r = await h.driver.enqueue('big', null).result
    assert.equal(r.ok, false)
    assert.equal(r.error?.code, 'result-too-large')
    h.driver.stop()
  })
})
