// Placement of tasks whose result a node holds in its cache (PendingTask.cachedOn).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { explainDecision, placeTasks } from '../../src/core/scheduler/placement.js'
import { leastLoaded } from '../../src/core/scheduler/policy.js'
import { queueOf, task, worker } from './scheduler-fixtures.js'

const full = { capacity: { slots: 2 }, placed: { slots: 2, tasks: 2 } }

describe('placement with cached results', () => {
  test('a holder is preferred over a less loaded node, and explain says it holds the cached result', () => {
    const nodes = [worker('a'), worker('b', { placed: { slots: 3, tasks: 3 } })]
    const { decisions } = placeTasks(queueOf([task('t', { cachedOn: ['b'] })]), nodes, leastLoaded, 0)
    assert.equal(decisions[0]?.nodeId, 'b')
    assert.equal(decisions[0]?.cached, true)
    const lines = explainDecision(decisions[0]!)
    assert.match(lines[1] ?? '', /^ {2}\* b: score .* \(holds cached result\)$/)
    assert.match(lines[2] ?? '', /^ {4}a: score 0$/)
  })

  test('a full holder still gets the task, and no room is counted for it in the round', () => {
    const nodes = [worker('a', { capacity: { slots: 1 } }), worker('b', full)]
    const { decisions } = placeTasks(queueOf([task('t', { cachedOn: ['b'] }), task('u')]), nodes, leastLoaded, 0)
    assert.deepEqual(decisions.map(d => [d.taskId, d.nodeId, d.cached]), [['t', 'b', true], ['u', 'a', undefined]])
  })

  test('when every slot is taken, tasks a holder can answer are still placed; the others wait', () => {
    const nodes = [worker('a', full), worker('b', full)]
    const q = queueOf([task('plain1'), task('hit', { cachedOn: ['a'] }), task('plain2'), task('hit2', { cachedOn: ['b'] })])
    const { decisions, deferred } = placeTasks(q, nodes, leastLoaded, 0)
    assert.deepEqual(decisions.map(d => [d.taskId, d.nodeId]), [['hit', 'a'], ['hit2', 'b']])
    assert.deepEqual(deferred.get('no-capacity-now'), [])
    assert.equal(q.cachedCount, 2)
  })

  test('an avoided holder (its copy turned out stale) is neither preferred nor free of room checks', () => {
    const nodes = [worker('a'), worker('b', full)]
    const { decisions } = placeTasks(queueOf([task('t', { cachedOn: ['b'], avoidNodes: ['b'] })]), nodes, leastLoaded, 0)
    assert.deepEqual(decisions.map(d => [d.nodeId, d.cached]), [['a', undefined]])
    assert.equal(decisions[0]?.candidates.find(c => c.nodeId === 'b')?.ruledOut, 'no free slot (2/2 used)')
  })

  test('a holder that can never run the task (labels, master) is not used', () => {
    const nodes = [worker('a'), worker('b', { capacity: { labels: { zone: 'edge' } } })]
    const { decisions } = placeTasks(queueOf([task('t', { cachedOn: ['b'], req: { constraints: { zone: 'lab' } } })]), [...nodes, worker('c', { capacity: { labels: { zone: 'lab' } } })], leastLoaded, 0)
    assert.deepEqual(decisions.map(d => d.nodeId), ['c'])
  })

  test('a deferral of one shape is not applied to a task of that shape that a holder can answer', () => {
    const nodes = [worker('a', full)]
    const { decisions, deferred } = placeTasks(queueOf([task('x'), task('y', { cachedOn: ['a'] })]), nodes, leastLoaded, 0)
    assert.deepEqual(decisions.map(d => d.taskId), ['y'])
    assert.deepEqual(deferred.get('no-capacity-now'), [])
  })

  test('the queue counts tasks with cache holders as they come and go', () => {
    const q = queueOf([task('a', { cachedOn: ['n'] }), task('b')])
    assert.equal(q.cachedCount, 1)
    q.remove('b')
    q.remove('a')
    q.remove('a')
    assert.equal(q.cachedCount, 0)
  })
})
