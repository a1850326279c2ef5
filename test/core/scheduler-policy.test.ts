import { test, describe as suite } from 'node:test'
import assert from 'node:assert/strict'
import { binpack, createPolicy, customPolicy, leastLoaded, scoreCandidate, spreadPolicy } from '../../src/core/scheduler/policy.js'
import { placeTasks } from '../../src/core/scheduler/placement.js'
import type { PlacementPolicy } from '../../src/core/scheduler/policy.js'
import type { WorkerState } from '../../src/core/scheduler/types.js'
import { applyDecisions, queueOf, task, worker } from './scheduler-fixtures.js'

const t = task('t')

/** Node id -> how many of the round's decisions landed there. */
function spreadOf (decisions: Array<{ nodeId: string }>): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const d of decisions) counts[d.nodeId] = (counts[d.nodeId] ?? 0) + 1
  return counts
}

suite('least-loaded', () => {
  test('scores slot use (the larger of gossip and placed), event-loop delay and load per cpu', () => {
    const w = worker('a', { capacity: { slots: 4, cpus: 2 }, load: { running: 1, queued: 0, eventLoopDelayMs: 50, loadAvg1: 1 }, placed: { slots: 2 } })
    assert.equal(leastLoaded.score(t, w), 2 / 4 + 0.5 + 0.5)
    const gossipAhead = worker('b', { capacity: { slots: 4 }, load: { running: 3, queued: 1 }, placed: { slots: 1 } })
    assert.equal(leastLoaded.score(t, gossipAhead), 1)
  })

  test('a burst in one round balances over equal nodes', () => {
    const nodes = ['a', 'b', 'c'].map(id => worker(id, { capacity: { slots: 4 } }))
    const q = queueOf(Array.from({ length: 6 }, (_, i) => task(`t${i}`)))
    const { decisions } = placeTasks(q, nodes, leastLoaded, 0)
    assert.deepEqual(spreadOf(decisions), { a: 2, b: 2, c: 2 })
  })

  test('a node with a slow event loop gets work last', () => {
    const nodes = [worker('a', { load: { eventLoopDelayMs: 300 } }), worker('b')]
    const { decisions } = placeTasks(queueOf([task('x')]), nodes, leastLoaded, 0)
    assert.equal(decisions[0]?.nodeId, 'b')
  })
})

suite('binpack', () => {
  test('fills the busiest node that still fits before using another', () => {
    const nodes = [worker('a', { capacity: { slots: 4 } }), worker('b', { capacity: { slots: 4 }, placed: { slots: 1, tasks: 1 } }), worker('c', { capacity: { slots: 4 } })]
    const q = queueOf(Array.from({ length: 5 }, (_, i) => task(`t${i}`)))
    const { decisions } = placeTasks(q, nodes, binpack, 0)
    assert.deepEqual(decisions.map(d => d.nodeId), ['b', 'b', 'b', 'a', 'a'])
  })
})

suite('spread', () => {
  test('fewest placed tasks first', () => {
    const nodes = [worker('a', { placed: { tasks: 2, slots: 2 } }), worker('b', { placed: { tasks: 1, slots: 1 } }), worker('c')]
    const { decisions } = placeTasks(queueOf([task('x'), task('y')]), nodes, spreadPolicy(), 0)
    assert.deepEqual(decisions.map(d => d.nodeId), ['c', 'b'])
  })

  test('rotates across rounds when tasks finish in between (least recently chosen breaks ties)', () => {
    const nodes = ['a', 'b', 'c'].map(id => worker(id))
    const policy = spreadPolicy()
    const chosen: string[] = []
    for (let round = 0; round < 5; round++) {
      // Every node is idle again at each round: only the memory of past choices separates them.
      const { decisions } = placeTasks(queueOf([task(`r${round}`)]), nodes, policy, round)
      chosen.push(decisions[0]?.nodeId ?? 'none')
    }
    assert.deepEqual(chosen, ['a', 'b', 'c', 'a', 'b'])
  })

  test('createPolicy gives each caller its own spread memory', () => {
    const first = createPolicy('spread')
    first.chosen?.('a')
    const second = createPolicy('spread')
    const idle = worker('a')
    assert.ok(first.score(t, idle) > second.score(t, idle))
    assert.equal(createPolicy('least-loaded'), leastLoaded)
    assert.equal(createPolicy('binpack'), binpack)
  })
})

suite('user policies', () => {
  const fitting = [worker('a'), worker('b')]

  test('a custom score ranks the nodes', () => {
    const policy = customPolicy((_task, w) => (w.id === 'b' ? 1 : 2), 'prefer-b')
    const { decisions } = placeTasks(queueOf([task('x')]), fitting, policy, 0)
    assert.equal(decisions[0]?.nodeId, 'b')
    assert.equal(decisions[0]?.policy, 'prefer-b')
  })

  test('a throw rules out that node with the reason instead of crashing the master', () => {
    const policy = customPolicy((_task, w) => {
      if (w.id === 'a') throw new Error('boom')
      return 0
    })
    const { decisions } = placeTasks(queueOf([task('x')]), fitting, policy, 0)
    assert.equal(decisions[0]?.nodeId, 'b')
    assert.deepEqual(decisions[0]?.candidates[0], { nodeId: 'a', ruledOut: 'policy rejected (threw: boom)' })
  })

  test('NaN, Infinity and non-numbers rule out with "policy rejected"', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '1' as unknown as number]) {
      assert.equal(scoreCandidate(customPolicy(() => bad), t, worker('a')), 'policy rejected')
    }
  })

  test('odd thrown values are reported, not rethrown', () => {
    const unprintable = Object.create(null) as object
    const throwsIt: PlacementPolicy = customPolicy(() => { throw unprintable })
    assert.equal(scoreCandidate(throwsIt, t, worker('a')), 'policy rejected (threw: unprintable error)')
    const throwsString = customPolicy(() => { throw 'nope' }) // eslint-disable-line no-throw-literal
    assert.equal(scoreCandidate(throwsString, t, worker('a')), 'policy rejected (threw: nope)')
    assert.equal(scoreCandidate(customPolicy(() => 2.5), t, worker('a')), 2.5)
  })

  test('when the policy rejects every node the task waits as no-capacity-now', () => {
    const { decisions, deferred } = placeTasks(queueOf([task('x')]), fitting, customPolicy(() => Number.NaN), 0)
    assert.equal(decisions.length, 0)
    assert.deepEqual(deferred.get('no-capacity-now'), ['x'])
  })

  test('a policy sees the round\'s earlier placements on the node', () => {
    const seen: number[] = []
    const policy = customPolicy((_task, w: WorkerState) => { seen.push(w.placed.tasks); return 0 })
    placeTasks(queueOf([task('x'), task('y')]), [worker('a')], policy, 0)
    assert.deepEqual(seen, [0, 1])
  })
})

test('applyDecisions fixture counts placements as the task table would', () => {
  const x = task('x', { req: { slots: 2, cpus: 1, resources: { gpu: 1 } } })
  const [a] = applyDecisions([worker('a')], new Map([['x', x]]), [{ taskId: 'x', nodeId: 'a', score: 0, candidates: [], policy: 'p' }])
  assert.deepEqual(a?.placed, { tasks: 1, slots: 2, cpus: 1, memoryBytes: 0, resources: { gpu: 1 } })
})
