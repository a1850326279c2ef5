import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { register as globalRegistry } from 'prom-client'
import { NodeMetrics, type NodeReading } from '../../src/observability/metrics.js'
import { ElectionWatch } from '../../src/observability/election-watch.js'
import { Timeline } from '../../src/observability/dashboard/timeline.js'
import { timedScheduler } from '../../src/observability/timed-scheduler.js'
import { readNode } from '../../src/node/node-reading.js'
import { createScheduler } from '../../src/core/tasks/scheduler-port.js'
import { zeroCounters } from '../../src/core/tasks/table-types.js'
import type { ClusterStatus, MemberStatus } from '../../src/node/status.js'
import type { PendingTask, WorkerState } from '../../src/core/scheduler/types.js'
import type { Connection } from '@libp2p/interface'


function reading (over: Partial<NodeReading> = {}): NodeReading {
  return {
    role: 'master',
    epoch: 7,
    masterKnown: true,
    voters: 3,
    members: { alive: 3, suspect: 1, dead: 0 },
    clusterRunning: 5,
    table: { ...zeroCounters(), submitted: 10, placed: 9, completed: 8, failed: 1, retried: 2, timedOut: 1, duplicatesSeen: 1, adopted: 5 },
    queueLength: 4,
    running: 2,
    slots: 8,
    awaitingResults: 3,
    connections: { inbound: 1, outbound: 2 },
    streams: { '/mcp-cluster/tasks/1.0.0': 2 },
    peers: [{ id: 'peerA', rttMs: 3 }, { id: 'peerB', rttMs: null }],
    discovered: 0,
    droppedFrames: 0,
    gossip: { published: 12, received: 30, rejected: 1 },
    eventLoopDelayMs: 4.5,
    cache: { maxBytes: 1000, entries: 2, bytes: 300, hits: 5, misses: 3, evictions: 1, expired: 0, indexKeys: 4 },
    ...over
  }
}

function metricsWith (read: () => NodeReading, wall = (): number => 1_000_000): NodeMetrics {
  return new NodeMetrics({ selfId: 'self-node', version: '9.9.9', lease: { leaseMs: 2000, maxDriftMs: 200 }, read, wallClock: wall })
}

/** The value of one sample line, e.g. value(text, 'mcp_cluster_epoch') or with labels '{role="master"}'. */
function value (text: string, name: string, labels = ''): number {
  const line = text.split('\n').find(l => l.startsWith(`${name}${labels} `))
  assert.ok(line !== undefined, `no sample ${name}${labels} in:\n${text}`)
  return Number(line.slice(line.lastIndexOf(' ') + 1))
}

const NAMED_IN_ISSUE = [
  'mcp_cluster_role', 'mcp_cluster_epoch', 'mcp_cluster_elections_started_total', 'mcp_cluster_failover_seconds',
  'mcp_cluster_lease_renew_seconds', 'mcp_cluster_tasks_submitted_total', 'mcp_cluster_tasks_placed_total',
  'mcp_cluster_tasks_completed_total', 'mcp_cluster_tasks_failed_total', 'mcp_cluster_tasks_retried_total',
  'mcp_cluster_tasks_timed_out_total', 'mcp_cluster_tasks_duplicated_total', 'mcp_cluster_task_queue_length',
  'mcp_cluster_placement_seconds', 'mcp_cluster_task_run_seconds', 'mcp_cluster_peer_rtt_seconds',
  'mcp_cluster_heartbeats_sent_total', 'mcp_cluster_heartbeats_received_total', 'mcp_cluster_connections',
  'mcp_cluster_process_memory_bytes', 'mcp_cluster_event_loop_delay_seconds'
]

describe('NodeMetrics', () => {
  test('exposes every metric the issue names, read from the node when scraped', async () => {
    const m = metricsWith(() => reading())
    const text = await m.text()
    for (const name of NAMED_IN_ISSUE) assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name)
    assert.equal(value(text, 'mcp_cluster_role', '{role="master"}'), 1)
    assert.equal(value(text, 'mcp_cluster_role', '{role="worker"}'), 0)
    assert.equal(value(text, 'mcp_cluster_epoch'), 7)
    assert.equal(value(text, 'mcp_cluster_tasks_placed_total'), 9)
    assert.equal(value(text, 'mcp_cluster_tasks_retried_total'), 2)
    assert.equal(value(text, 'mcp_cluster_tasks_duplicated_total'), 1)
    assert.equal(value(text, 'mcp_cluster_tasks_adopted_total'), 5)
    assert.equal(value(text, 'mcp_cluster_task_queue_length'), 4)
    assert.equal(value(text, 'mcp_cluster_members', '{state="suspect"}'), 1)
    assert.equal(value(text, 'mcp_cluster_connections', '{direction="outbound"}'), 2)
    assert.equal(value(text, 'mcp_cluster_peer_rtt_seconds', '{peer="peerA"}'), 0.003)
    assert.ok(!text.includes('peer="peerB"'), 'a peer without a ping yet has no RTT sample')
    assert.equal(value(text, 'mcp_cluster_heartbeats_received_total'), 30)
    assert.equal(value(text, 'mcp_cluster_event_loop_delay_seconds'), 0.0045)
    assert.ok(value(text, 'mcp_cluster_process_memory_bytes', '{kind="rss"}') > 0)
    assert.equal(value(text, 'mcp_cluster_info', '{node="self-node",version="9.9.9"}'), 1)
    assert.equal(value(text, 'mcp_cluster_cache_hits_total'), 5)
    assert.equal(value(text, 'mcp_cluster_cache_misses_total'), 3)
    assert.equal(value(text, 'mcp_cluster_cache_bytes'), 300)
    assert.equal(value(text, 'mcp_cluster_cache_index_keys'), 4)
    assert.match(m.contentType, /^text\/plain; version=0\.0\.4/)
  })

  test('values move: counters and histograms follow the task path, scraped values follow the node', async () => {
    let r = reading()
    const m = metricsWith(() => r)
    const before = await m.text()
    assert.equal(value(before, 'mcp_cluster_tasks_submitted_total'), 0)
    assert.equal(value(before, 'mcp_cluster_placement_seconds_count'), 0)

    m.submitted()
    m.submitted()
    assert.equal(value(before, 'mcp_cluster_tasks_completed_total'), 0, 'a master\'s table completions are not counted (re-adopted results would count twice)')
    m.settled({ id: 'a', ok: true, attempts: 1, node: 'n1', durationMs: 3 })
    m.settled({ id: 'b', ok: false, error: { code: 'handler-error', message: 'boom' }, attempts: 1, node: 'n1', durationMs: 3 })
    m.placed(2)
    m.placed(40)
    m.ran('echo', true, 5)
    m.ran('echo', true, 7)
    m.ran('sha256', false, 1500)
    r = reading({ epoch: 8, role: 'voter', table: { ...zeroCounters(), placed: 20 } })

    const after = await m.text()
    assert.equal(value(after, 'mcp_cluster_tasks_submitted_total'), 2)
    assert.equal(value(after, 'mcp_cluster_tasks_completed_total'), 1)
    assert.equal(value(after, 'mcp_cluster_tasks_failed_total'), 1)
    assert.equal(value(after, 'mcp_cluster_placement_seconds_count'), 2)
    assert.equal(value(after, 'mcp_cluster_placement_seconds_sum'), 0.042)
    assert.equal(value(after, 'mcp_cluster_task_run_seconds_count', '{type="echo",outcome="ok"}'), 2)
    assert.equal(value(after, 'mcp_cluster_task_run_seconds_count', '{type="sha256",outcome="error"}'), 1)
    assert.equal(value(after, 'mcp_cluster_task_run_seconds_bucket', '{le="1",type="sha256",outcome="error"}'), 0)
    assert.equal(value(after, 'mcp_cluster_epoch'), 8)
    assert.equal(value(after, 'mcp_cluster_role', '{role="voter"}'), 1)
    assert.equal(value(after, 'mcp_cluster_tasks_placed_total'), 20)
    // A failed result is listed once among the recent failures, however many times it is reported.
    m.settled({ id: 'b', ok: false, error: { code: 'handler-error', message: 'boom' }, attempts: 1, node: 'n1', durationMs: 3 })
    m.tableFailure({ type: 'failed', id: 'b', error: { code: 'handler-error', message: 'boom' } })
    assert.deepEqual(m.timeline.snapshot().failures.map(f => [f.kind, f.id]), [['task-failed', 'b']])
  })

  test('one reading per scrape, however many metrics use it', async () => {
    let reads = 0
    const m = metricsWith(() => { reads++; return reading() })
    await m.text()
    assert.equal(reads, 1)
    await m.text()
    assert.equal(reads, 2)
  })

  test('nodes in one process keep separate registries and leave the global one alone', async () => {
    const a = metricsWith(() => reading({ epoch: 1 }))
    const b = metricsWith(() => reading({ epoch: 2 }))
    a.submitted()
    assert.equal(value(await a.text(), 'mcp_cluster_epoch'), 1)
    assert.equal(value(await b.text(), 'mcp_cluster_epoch'), 2)
    assert.equal(value(await b.text(), 'mcp_cluster_tasks_submitted_total'), 0)
    assert.equal(globalRegistry.getSingleMetric('mcp_cluster_epoch'), undefined)
  })

  test('timeline samples are rates since the previous sample; the queue only on the master', () => {
    let wall = 10_000
    let r = reading({ table: { ...zeroCounters(), placed: 100 }, queueLength: 6 })
    const m = metricsWith(() => r, () => wall)
    const first = m.sample()
    assert.equal(first.placed, 0, 'no rate before a previous sample')
    wall += 2000
    for (let i = 0; i < 10; i++) m.ran('echo', true, 1)
    r = reading({ table: { ...zeroCounters(), placed: 150 }, queueLength: 6 })
    const second = m.sample()
    assert.equal(second.placed, 25)
    assert.equal(second.ran, 5)
    assert.equal(second.queue, 6)
    assert.equal(second.running, 5)
    wall += 1000
    r = reading({ role: 'worker', table: { ...zeroCounters(), placed: 150 } })
    const third = m.sample()
    assert.equal(third.placed, null)
    assert.equal(third.queue, null)
    assert.equal(m.timeline.snapshot().samples.length, 3)
    const d = m.dashboard({ self: { id: 'self-node' } } as unknown as ClusterStatus)
    assert.equal(d.generatedAt, wall)
    assert.equal(d.timeline.samples.length, 3)
    assert.deepEqual(d.peers.map(p => p.id), ['peerA', 'peerB'])
  })

  test('docs/observability.md documents every metric a node exposes', async () => {
    // Compiled tests live two levels below the build root, which sits beside docs/.
    const docs = readFileSync(new URL('../../../docs/observability.md', import.meta.url), 'utf8')
    const m = metricsWith(() => reading())
    const names = (await m.text()).split('\n').filter(l => l.startsWith('# TYPE ')).map(l => l.split(' ')[2]!)
    const documented = [...docs.matchAll(/^\| `(mcp_cluster_\w+)` \|/gm)].map(m => m[1]!)
    assert.deepEqual([...documented].sort(), [...names].sort(), 'the metric tables of docs/observability.md list exactly the metrics a node exposes')
  })
})

describe('ElectionWatch', () => {
  function watch (): { w: ElectionWatch, failovers: number[], renewals: number[], changes: Array<[string | null, number | null]> } {
    const failovers: number[] = []
    const renewals: number[] = []
    const changes: Array<[string | null, number | null]> = []
    const w = new ElectionWatch('me', { leaseMs: 2000, maxDriftMs: 200 }, {
      failover: (s) => failovers.push(s),
      renewed: (s) => renewals.push(s),
      masterChanged: (id, epoch) => changes.push([id, epoch])
    })
    return { w, failovers, renewals, changes }
  }

  test('failover time runs from the last renewal seen from the old master to the new master', () => {
    const { w, failovers, changes } = watch()
    w.update(0, { id: 'A', epoch: 1, leaseRemainingMs: 1800 }, [])
    w.update(500, { id: 'A', epoch: 1, leaseRemainingMs: 1800 }, []) // renewed: lease now ends at 2300
    w.update(900, { id: 'A', epoch: 1, leaseRemainingMs: 1400 }, []) // nothing new
    w.update(2300, null, [])
    w.update(2700, { id: 'B', epoch: 2, leaseRemainingMs: 1800 }, [])
    assert.deepEqual(failovers, [2.2])
    assert.deepEqual(changes, [['A', 1], [null, null], ['B', 2]])
  })

  test('the first master and a master raising its epoch in place are not failovers; re-election after a gap is', () => {
    const { w, failovers } = watch()
    w.update(0, { id: 'A', epoch: 1, leaseRemainingMs: 1800 }, [])
    w.update(400, { id: 'A', epoch: 2, leaseRemainingMs: 1800 }, [])
    assert.deepEqual(failovers, [])
    w.update(3000, null, [])
    w.update(3500, { id: 'A', epoch: 3, leaseRemainingMs: 1800 }, [])
    assert.deepEqual(failovers, [3.1])
  })

  test('renew latency on the master: from the round start implied by the new lease end', () => {
    const { w, renewals } = watch()
    w.update(0, { id: 'me', epoch: 1, leaseRemainingMs: 1800 }, [{ type: 'elected', term: 1, leaseRemainingMs: 1800 }])
    // Round started at 500: lease ends at 500 + 2000 - 200 = 2300; the quorum answered at 504.
    w.update(504, { id: 'me', epoch: 1, leaseRemainingMs: 1796 }, [])
    assert.equal(renewals.length, 1)
    assert.ok(Math.abs(renewals[0]! - 0.004) < 1e-9, String(renewals[0]))
    // Another node's renewals are not ours to time.
    const other = watch()
    other.w.update(0, { id: 'A', epoch: 1, leaseRemainingMs: 1800 }, [])
    other.w.update(500, { id: 'A', epoch: 1, leaseRemainingMs: 1800 }, [])
    assert.deepEqual(other.renewals, [])
  })

  test('counts campaigns, wins and lost leases from the events', () => {
    const { w } = watch()
    w.update(0, null, [{ type: 'campaign-started', term: 1, immediate: false }, { type: 'elected', term: 1, leaseRemainingMs: 1800 }])
    w.update(10, null, [{ type: 'lost-lease', term: 1 }, { type: 'campaign-started', term: 2, immediate: false }])
    assert.deepEqual([w.campaigns, w.won, w.leasesLost], [2, 1, 1])
  })
})

describe('Timeline', () => {
  test('keeps the newest entries up to its limits, and no repeated master', () => {
    const t = new Timeline({ samples: 3, masters: 2, failures: 2 })
    for (let i = 0; i < 5; i++) t.addSample({ t: i, placed: null, ran: i, settled: 0, queue: null, running: 0 })
    t.masterChanged(1, 'A', 1)
    t.masterChanged(2, 'A', 1)
    assert.equal(t.snapshot().masters.length, 1, 'the same master again is not a change')
    t.masterChanged(3, null, null)
    t.masterChanged(4, 'B', 2)
    for (let i = 0; i < 3; i++) t.failure({ t: i, kind: 'worker-lost', id: null, node: `n${i}`, code: null, message: '' })
    const s = t.snapshot()
    assert.deepEqual(s.samples.map(x => x.ran), [2, 3, 4])
    assert.deepEqual(s.masters.map(x => x.master), [null, 'B'])
    assert.deepEqual(s.failures.map(x => x.node), ['n1', 'n2'])
  })
})

describe('timedScheduler', () => {
  const worker: WorkerState = {
    id: 'w1',
    capacity: { slots: 1, cpus: 1, memTotalBytes: 1e9, memFreeBytes: 1e9, resources: {}, labels: {} },
    load: { running: 0, queued: 0, eventLoopDelayMs: 0, loadAvg1: 0 },
    handlers: ['echo'],
    placed: { tasks: 0, slots: 0, cpus: 0, memoryBytes: 0, resources: {} },
    isMaster: false
  }
  const task = (id: string, seq: number): PendingTask => ({ id, type: 'echo', priority: 0, enqueuedAt: 0, seq, req: { slots: 1, cpus: 0, memoryBytes: 0, resources: {}, constraints: {} } })

  test('reports how long each placed task waited since it entered the queue', () => {
    let now = 100
    const waits: number[] = []
    const s = timedScheduler(createScheduler(), () => now, (ms) => waits.push(ms))
    assert.equal(s.enqueue(task('a', 1)).ok, true)
    now = 130
    assert.equal(s.enqueue(task('b', 2)).ok, true)
    assert.equal(s.size, 2)
    const r = s.place([worker], 175)
    assert.deepEqual(r.decisions.map(d => d.taskId), ['a'], 'one slot: only the first task')
    assert.deepEqual(waits, [75])
    s.remove('a')
    s.remove('b') // cancelled while queued: never reported
    assert.equal(s.enqueue(task('b', 3)).ok, true) // re-queued (a retry) at 130: waits from now
    assert.deepEqual(s.place([worker], 200).decisions.map(d => d.taskId), ['b'])
    assert.deepEqual(waits, [75, 70])
  })
})

describe('readNode', () => {
  const member = (id: string, state: MemberStatus['state'], running: number, self = false): MemberStatus => ({
    id,
    state,
    role: 'worker',
    version: '1',
    addrs: [],
    capacity: { slots: 4, cpus: 1, memTotalBytes: 1, memFreeBytes: 1, resources: {}, labels: {} },
    load: { running, queued: 0, eventLoopDelayMs: 2, loadAvg1: 0 },
    handlers: [],
    lastSeenMs: 0,
    self
  })
  const conn = (peer: string, direction: 'inbound' | 'outbound', rtt: number | undefined, protocols: string[]): Connection =>
    ({ remotePeer: { toString: () => peer }, direction, rtt, streams: protocols.map(protocol => ({ protocol })) }) as unknown as Connection

  test('folds status, task totals and connections into the reading', () => {
    const status = {
      self: { id: 'me', addresses: [], role: 'voter', version: '1', openCluster: true },
      master: { id: 'A', epoch: 3, leaseRemainingMs: 100 },
      voters: ['A', 'B', 'me'],
      configVersion: 0,
      pendingVoters: null,
      epoch: 3,
      members: [member('me', 'alive', 1, true), member('A', 'alive', 2), member('B', 'suspect', 9), member('C', 'dead', 9)],
      network: { connections: 3, discovered: 2, dialFailures: [], gossip: { published: 1, received: 2, rejected: 3 }, droppedFrames: 4 }
    } as unknown as ClusterStatus
    const r = readNode(status, { counters: zeroCounters(), queueLength: 0, running: 3, awaitingResults: 1 }, [
      conn('A', 'outbound', 5, ['/a', '/b']), conn('A', 'inbound', 2, ['/a']), conn('B', 'inbound', undefined, [])
    ])
    assert.equal(r.role, 'voter')
    assert.deepEqual(r.members, { alive: 2, suspect: 1, dead: 1 })
    assert.equal(r.clusterRunning, 5, 'this node\'s own running count plus the alive members\'')
    assert.equal(r.slots, 4)
    assert.deepEqual(r.connections, { inbound: 2, outbound: 1 })
    assert.deepEqual(r.streams, { '/a': 2, '/b': 1 })
    assert.deepEqual(r.peers, [{ id: 'A', rttMs: 2 }, { id: 'B', rttMs: null }])
    assert.deepEqual(r.gossip, { published: 1, received: 2, rejected: 3 })
    assert.equal(r.voters, 3)
    assert.equal(r.masterKnown, true)
  })
})
