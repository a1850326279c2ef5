import { test, describe as suite } from 'node:test'
import assert from 'node:assert/strict'
import { canEverFit, explainDecision, placeTasks } from '../../src/core/scheduler/placement.js'
import { customPolicy, leastLoaded } from '../../src/core/scheduler/policy.js'
import { TaskQueue } from '../../src/core/scheduler/queue.js'
import { GiB, ids, queueOf, task, worker } from './scheduler-fixtures.js'

/** The reason each node gave for refusing the single task, as explain records it. */
function reasons (w: Parameters<typeof worker>[1], t: ReturnType<typeof task>): string | undefined {
  // A fallback node that always fits makes the task placed, so the candidate list is recorded.
  const fallback = worker('zz', { handlers: [t.type], capacity: { slots: 10, cpus: 64, memTotalBytes: 64 * GiB, memFreeBytes: 64 * GiB, resources: { gpu: 8, ...t.req.resources }, labels: { ...t.req.constraints } } })
  const { decisions } = placeTasks(queueOf([t]), [worker('a', w), fallback], leastLoaded, 0, { allowMasterTasks: false })
  return decisions[0]?.candidates.find(c => c.nodeId === 'a')?.ruledOut
}

suite('why a node is ruled out', () => {
  test('handler, labels, master', () => {
    assert.equal(reasons({}, task('x', { type: 'render' })), "no handler for type 'render'")
    assert.equal(reasons({ capacity: { labels: { zone: 'edge' } } }, task('x', { req: { constraints: { zone: 'lab' } } })), 'label zone=lab required, node has zone=edge')
    assert.equal(reasons({}, task('x', { req: { constraints: { zone: 'lab' } } })), 'label zone=lab required, node has no zone')
    assert.equal(reasons({ isMaster: true }, task('x')), 'master runs no tasks')
  })

  test('room right now', () => {
    assert.equal(reasons({ capacity: { slots: 2 }, placed: { slots: 2, tasks: 2 } }, task('x')), 'no free slot (2/2 used)')
    assert.equal(reasons({ capacity: { slots: 2 }, load: { running: 1, queued: 1 } }, task('x')), 'no free slot (2/2 used)')
    assert.equal(reasons({ capacity: { slots: 4 }, placed: { slots: 3 } }, task('x', { req: { slots: 2 } })), 'needs 2 slots, 1 free (3/4 used)')
    assert.equal(reasons({ capacity: { cpus: 4 }, placed: { cpus: 2 } }, task('x', { req: { cpus: 4 } })), 'needs 4 cpus, 2 free')
    assert.equal(reasons({ capacity: { resources: { gpu: 1 } }, placed: { resources: { gpu: 1 } } }, task('x', { req: { resources: { gpu: 1 } } })), 'needs 1 gpu, 0 free')
    assert.equal(reasons({ capacity: { memTotalBytes: 8 * GiB, memFreeBytes: GiB / 2 } }, task('x', { req: { memoryBytes: GiB } })), 'needs 1 GiB memory, 512 MiB free')
  })

  test('total capacity', () => {
    assert.equal(reasons({ capacity: { cpus: 2 } }, task('x', { req: { cpus: 4 } })), 'needs 4 cpus, node has 2 in total')
    assert.equal(reasons({ capacity: { slots: 1 } }, task('x', { req: { slots: 2 } })), 'needs 2 slots, node has 1 in total')
    assert.equal(reasons({}, task('x', { req: { resources: { gpu: 1 } } })), 'needs 1 gpu, node has 0 in total')
  })

  test('resource names that collide with Object.prototype are plain names', () => {
    const t = task('x', { req: { resources: { constructor: 1 } } })
    assert.equal(reasons({}, t), 'needs 1 constructor, node has 0 in total')
    const proto = JSON.parse('{"__proto__": 1}') as Record<string, number>
    const nodes = [worker('a', { capacity: { resources: proto } })]
    const q = queueOf([task('p1', { req: { resources: proto } }), task('p2', { req: { resources: proto } })])
    const { decisions } = placeTasks(q, nodes, leastLoaded, 0)
    assert.deepEqual(decisions.map(d => d.taskId), ['p1'])
  })
})

suite('placeTasks', () => {
  test('cpus and memory are only checked when the task asks for them', () => {
    const busy = worker('a', { capacity: { cpus: 1, memFreeBytes: 0 }, placed: { cpus: 1 } })
    const { decisions } = placeTasks(queueOf([task('x')]), [busy], leastLoaded, 0)
    assert.equal(decisions[0]?.nodeId, 'a')
  })

  test('tasks the master has not seen in gossip yet still count, and so do tasks only gossip knows', () => {
    const lagging = worker('a', { capacity: { slots: 3 }, load: { running: 2 }, placed: { slots: 1, tasks: 1 } })
    const { decisions } = placeTasks(queueOf([task('x'), task('y')]), [lagging], leastLoaded, 0)
    assert.deepEqual(decisions.map(d => d.taskId), ['x'])
  })

  test('memory placed earlier in the round counts against the gossiped free memory', () => {
    const node = worker('a', { capacity: { memTotalBytes: 16 * GiB, memFreeBytes: 4 * GiB } })
    const q = queueOf([task('x', { req: { memoryBytes: 3 * GiB } }), task('y', { req: { memoryBytes: 3 * GiB } }), task('z', { req: { memoryBytes: GiB } })])
    const { decisions, deferred } = placeTasks(q, [node], leastLoaded, 0)
    assert.deepEqual(decisions.map(d => d.taskId), ['x', 'z'])
    assert.deepEqual(deferred.get('no-capacity-now'), ['y'])
  })

  test('master exclusion', () => {
    const nodes = [worker('m', { isMaster: true }), worker('w', { load: { running: 3 } })]
    assert.equal(placeTasks(queueOf([task('x')]), nodes, leastLoaded, 0).decisions[0]?.nodeId, 'm')
    const excluded = placeTasks(queueOf([task('x')]), nodes, leastLoaded, 0, { allowMasterTasks: false })
    assert.equal(excluded.decisions[0]?.nodeId, 'w')
    const onlyMaster = placeTasks(queueOf([task('x')]), [nodes[0] as ReturnType<typeof worker>], leastLoaded, 0, { allowMasterTasks: false })
    assert.equal(onlyMaster.decisions.length, 0)
  })

  test('preferNodes win over a better score when they fit, and not when they do not', () => {
    const nodes = [worker('a'), worker('b', { load: { running: 3 } }), worker('c', { capacity: { slots: 0 } })]
    const q = queueOf([task('x', { preferNodes: ['b'] }), task('y', { preferNodes: ['c'] })])
    const { decisions } = placeTasks(q, nodes, leastLoaded, 0)
    assert.deepEqual(decisions.map(d => d.nodeId), ['b', 'a'])
    assert.equal(decisions[0]?.candidates.find(c => c.nodeId === 'b')?.preference, 'preferred')
  })

  test('avoidNodes are used only when nothing else fits', () => {
    const nodes = [worker('a'), worker('b', { load: { running: 3 } })]
    const q = queueOf([task('x', { avoidNodes: ['a'] }), task('y', { avoidNodes: ['a', 'b'] }), task('z', { avoidNodes: ['a'] })])
    const { decisions } = placeTasks(q, nodes, leastLoaded, 0)
    // x avoids a and takes b's last slot; y avoids both so scores decide; z must accept a.
    assert.deepEqual(decisions.map(d => `${d.taskId}@${d.nodeId}`), ['x@b', 'y@a', 'z@a'])
    assert.equal(decisions[2]?.candidates.find(c => c.nodeId === 'a')?.preference, 'avoided')
  })

  test('equal scores go to the lower node id, whatever the input order', () => {
    const { decisions } = placeTasks(queueOf([task('x')]), [worker('c'), worker('a'), worker('b')], leastLoaded, 0)
    assert.equal(decisions[0]?.nodeId, 'a')
    assert.deepEqual(decisions[0]?.candidates.map(c => c.nodeId), ['a', 'b', 'c'])
  })

  test('deferred: no-capacity-now when some node could ever run it, else no-eligible-node', () => {
    const nodes = [worker('a', { capacity: { slots: 1, cpus: 2 } })]
    const q = queueOf([
      task('fits', { priority: 3 }),
      task('later', { priority: 2 }),
      task('too-big', { priority: 1, req: { cpus: 4 } }),
      task('no-handler', { type: 'render' })
    ])
    const { decisions, deferred } = placeTasks(q, nodes, leastLoaded, 0, { maxDecisions: 10 })
    assert.deepEqual(decisions.map(d => d.taskId), ['fits'])
    // The node is full after 'fits', so the walk stops: later tasks are not examined at all.
    assert.deepEqual(deferred.get('no-capacity-now'), [])
    assert.deepEqual(deferred.get('no-eligible-node'), [])

    const roomy = [worker('a', { capacity: { slots: 1, cpus: 2 } }), worker('b', { capacity: { slots: 2, cpus: 2 }, placed: { slots: 1 } })]
    const q2 = queueOf([task('fill-a', { priority: 5 }), task('needs-2', { priority: 4, req: { slots: 2 } }), task('too-big', { priority: 1, req: { cpus: 4 } }), task('no-handler', { type: 'render' })])
    const r2 = placeTasks(q2, roomy, leastLoaded, 0)
    assert.deepEqual(r2.decisions.map(d => d.taskId), ['fill-a'])
    assert.deepEqual(r2.deferred.get('no-capacity-now'), ['needs-2'])
    assert.deepEqual(r2.deferred.get('no-eligible-node'), ['too-big', 'no-handler'])
  })

  test('maxDecisions stops the round', () => {
    const q = queueOf(Array.from({ length: 5 }, (_, i) => task(`t${i}`, { seq: i })))
    const { decisions } = placeTasks(q, [worker('a', { capacity: { slots: 10 } })], leastLoaded, 0, { maxDecisions: 2 })
    assert.deepEqual(decisions.map(d => d.taskId), ['t0', 't1'])
  })

  test('stops walking the queue once no node has a free slot', () => {
    let scored = 0
    const counting = customPolicy(() => { scored++; return 0 })
    const q = queueOf(Array.from({ length: 1000 }, (_, i) => task(`t${i}`, { seq: i })))
    const { decisions, deferred } = placeTasks(q, [worker('a', { capacity: { slots: 2 } })], counting, 0)
    assert.equal(decisions.length, 2)
    assert.equal(scored, 2)
    assert.deepEqual(deferred.get('no-capacity-now'), [])
  })

  test('never mutates the caller\'s workers or queue, and repeats itself exactly', () => {
    const nodes = [worker('a', { capacity: { resources: { gpu: 2 } }, placed: { resources: { gpu: 1 } } }), worker('b')]
    const before = structuredClone(nodes)
    const q = queueOf([task('x', { req: { resources: { gpu: 1 }, memoryBytes: GiB, cpus: 1 } }), task('y')])
    const order = ids(q)
    const first = placeTasks(q, nodes, leastLoaded, 0)
    const second = placeTasks(q, nodes, leastLoaded, 0)
    assert.equal(first.decisions.length, 2)
    assert.deepEqual(nodes, before)
    assert.deepEqual(ids(q), order)
    assert.deepEqual(first, second)
  })
})

suite('head-of-line', () => {
  const oneNode = (): ReturnType<typeof worker>[] => [worker('a', { capacity: { slots: 4 }, placed: { slots: 2, tasks: 2 } })]

  test('a big task that does not fit lets smaller tasks behind it use the room', () => {
    const q = queueOf([task('big', { priority: 5, enqueuedAt: 0, req: { slots: 4 } }), task('small', { priority: 0, enqueuedAt: 0 })], { agingMs: 1000 })
    const { decisions, deferred } = placeTasks(q, oneNode(), leastLoaded, 500)
    assert.deepEqual(decisions.map(d => d.taskId), ['small'])
    assert.deepEqual(deferred.get('no-capacity-now'), ['big'])
  })

  test('once it has waited agingMs it reserves the node closest to fitting it', () => {
    const nodes = [...oneNode(), worker('b', { capacity: { slots: 4 }, placed: { slots: 3, tasks: 3 } })]
    const q = queueOf([task('big', { priority: 5, enqueuedAt: 0, req: { slots: 4 } }), task('small', { priority: 0, enqueuedAt: 0 })], { agingMs: 1000 })
    const { decisions } = placeTasks(q, nodes, leastLoaded, 1000)
    assert.equal(decisions.length, 1)
    assert.equal(decisions[0]?.nodeId, 'b')
    assert.deepEqual(decisions[0]?.candidates[0], { nodeId: 'a', ruledOut: "reserved for starving task 'big'" })
  })
})

suite('look-alike tasks in one round', () => {
  test('starving tasks of the same shape each reserve their own node', () => {
    const nodes = ['a', 'b', 'c'].map(id => worker(id, { capacity: { slots: 4 }, placed: { slots: 3, tasks: 3 } }))
    const bigs = ['big1', 'big2', 'big3'].map((id, i) => task(id, { priority: 1, enqueuedAt: 0, seq: i, req: { slots: 2 } }))
    const q = queueOf([...bigs, task('small', { priority: 0, enqueuedAt: 0, seq: 9 })], { agingMs: 1000 })
    const { decisions, deferred } = placeTasks(q, nodes, leastLoaded, 5000)
    // Every node is held for a big task, so the small one behind them gets none.
    assert.deepEqual(decisions, [])
    assert.deepEqual(deferred.get('no-capacity-now'), ['big1', 'big2', 'big3'])
  })

  test('a policy that judges by more than the shape is asked for every task', () => {
    const byId = customPolicy(t => (t.id === 'x' ? Number.NaN : 0))
    const q = queueOf([task('x', { priority: 1 }), task('y', { priority: 0 })])
    const { decisions, deferred } = placeTasks(q, [worker('a')], byId, 0)
    assert.deepEqual(decisions.map(d => d.taskId), ['y'])
    assert.deepEqual(deferred.get('no-capacity-now'), ['x'])
  })

  test('tasks that can never run are all reported', () => {
    const q = queueOf(Array.from({ length: 5 }, (_, i) => task(`r${i}`, { type: 'render', seq: i })))
    const { deferred } = placeTasks(q, [worker('a')], leastLoaded, 0)
    assert.deepEqual(deferred.get('no-eligible-node'), ['r0', 'r1', 'r2', 'r3', 'r4'])
  })
})

suite('canEverFit', () => {
  test('ok when one node could run it, however busy', () => {
    assert.deepEqual(canEverFit(task('x'), [worker('a', { load: { running: 4 } })]), { ok: true })
  })

  test('groups the reasons by node', () => {
    const nodes = ['a', 'b', 'c', 'd', 'e'].map(id => worker(id, { handlers: [] }))
    nodes.push(worker('f', { capacity: { cpus: 2 } }))
    const verdict = canEverFit(task('x', { req: { cpus: 4 } }), nodes)
    assert.deepEqual(verdict, { ok: false, reason: "no node can ever run it: no handler for type 'echo' (a, b, c and 2 more); needs 4 cpus, node has 2 in total (f)" })
  })

  test('respects master exclusion and an empty cluster', () => {
    assert.deepEqual(canEverFit(task('x'), [worker('m', { isMaster: true })], { allowMasterTasks: false }), { ok: false, reason: 'no node can ever run it: master runs no tasks (m)' })
    assert.deepEqual(canEverFit(task('x'), []), { ok: false, reason: 'no nodes in the cluster' })
  })
})

suite('explainDecision', () => {
  test('outcome first, eligible nodes best first with the choice marked, then the ruled-out ones', () => {
    const nodes = [
      worker('a', { load: { running: 2 } }),
      worker('b', { load: { running: 1 } }),
      worker('c'),
      worker('d', { capacity: { slots: 2 }, placed: { slots: 2, tasks: 2 } })
    ]
    const q = new TaskQueue()
    q.push(task('t1', { avoidNodes: ['c'] }))
    const [decision] = placeTasks(q, nodes, leastLoaded, 0).decisions
    assert.ok(decision !== undefined)
    assert.deepEqual(explainDecision(decision), [
      'task t1 -> node b (policy least-loaded, score 0.250)',
      '  * b: score 0.250',
      '    a: score 0.500',
      '    c: score 0 (avoided)',
      '    d: ruled out: no free slot (2/2 used)'
    ])
  })
})
