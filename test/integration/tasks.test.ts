import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { waitFor, type NodeProcess } from '../../src/harness/node-process.js'
import { readHistory, type Recorded } from '../../src/harness/history.js'
import type { ClusterStatus } from '../../src/node/status.js'
import type { TaskResult } from '../../src/node/task-api.js'
import { withCluster } from './with-cluster.js'

type Submitted = TaskResult & { state: string }

async function post (node: NodeProcess, body: unknown): Promise<Submitted> {
  return await node.submit<Submitted>(body)
}

function history (c: LocalCluster): Recorded[] {
  return readHistory(c.nodes.map(n => join(n.spec.dir, 'events.jsonl')))
}

/** Most tasks running at once on each node, from its task-start/task-end history. */
function maxConcurrency (h: Recorded[]): Map<string, number> {
  const now = new Map<string, number>()
  const max = new Map<string, number>()
  for (const e of h) {
    if (e.type !== 'task-start' && e.type !== 'task-end') continue
    const v = (now.get(e.node) ?? 0) + (e.type === 'task-start' ? 1 : -1)
    now.set(e.node, v)
    max.set(e.node, Math.max(max.get(e.node) ?? 0, v))
  }
  return max
}

const nonMaster = (c: LocalCluster, st: ClusterStatus[]): NodeProcess => c.nodes[st.findIndex(s => s.self.id !== s.master!.id)]!

test('slots are never exceeded, constraints keep tasks on labelled nodes, and high priority overtakes queued low priority', { timeout: 120_000 }, async () => {
  await withCluster({ eventLogs: true, nodes: 3, args: ['--slots', '2'], nodeArgsFor: i => i === 2 ? ['--label', 'gpu=true'] : [] }, async (c, st) => {
    const client = nonMaster(c, st)
    const gpuNode = st[2]!.self.id

    const sleeps = await Promise.all(Array.from({ length: 12 }, async () => await post(client, { type: 'sleep', payload: { ms: 300 } })))
    assert.ok(sleeps.every(r => r.ok), JSON.stringify(sleeps.filter(r => !r.ok)))
    const conc = maxConcurrency(history(c))
    assert.ok(conc.size >= 2, 'tasks spread over several nodes')
    for (const [node, m] of conc) assert.ok(m <= 2, `node ${node} ran ${m} tasks at once with 2 slots`)

    const gpu = await Promise.all(Array.from({ length: 6 }, async () => await post(client, { type: 'echo', payload: 1, options: { constraints: { gpu: 'true' } } })))
    assert.ok(gpu.every(r => r.ok && r.node === gpuNode), `constrained tasks ran on ${gpu.map(r => r.node).join(', ')}`)
    const impossible = await post(client, { type: 'echo', payload: 1, options: { constraints: { gpu: 'false' } } })
    assert.equal(impossible.ok, false)
    assert.equal(impossible.error?.code, 'no-eligible-node')

    // Fill all 6 slots, queue low-priority work behind them, then one high-priority task.
    const fill = Array.from({ length: 6 }, async (_, k) => await post(client, { type: 'sleep', payload: { ms: 2000 }, options: { id: `fill-${k}` } }))
    await waitFor('all six slots busy', () => history(c).filter(e => e.type === 'task-start' && e.id.startsWith('fill-')).length === 6, 10_000)
    const low = Array.from({ length: 6 }, async (_, k) => await post(client, { type: 'sleep', payload: { ms: 50 }, options: { id: `low-${k}`, priority: 0 } }))
    await new Promise(resolve => setTimeout(resolve, 200))
    const high = post(client, { type: 'sleep', payload: { ms: 50 }, options: { id: 'high', priority: 100 } })
    const all = await Promise.all([...fill, ...low, high])
    assert.ok(all.every(r => r.ok))
    const starts = new Map(history(c).filter(e => e.type === 'task-start').map(e => [(e as { id: string }).id, e.t]))
    const firstLow = Math.min(...Array.from({ length: 6 }, (_, k) => starts.get(`low-${k}`)!))
    assert.ok(starts.get('high')! <= firstLow, `high started at ${starts.get('high')!}, first queued low at ${firstLow}`)
  })
})

test('a worker killed mid-task: the task completes on another worker', { timeout: 120_000 }, async () => {
  // The master runs no tasks, so the task lands on one of the two others; submitting through
  // the master lets the test kill whichever worker runs it.
  await withCluster({ eventLogs: true, nodes: 3, args: ['--no-master-tasks'] }, async (c, st) => {
    const client = c.nodes[st.findIndex(s => s.self.id === s.master!.id)]!
    const pending = post(client, { type: 'sleep', payload: { ms: 2500 }, options: { id: 'long-1' } })
    const start = await waitFor('the task to start', () => history(c).find(e => e.type === 'task-start' && e.id === 'long-1'), 10_000)
    const victim = c.nodes[st.findIndex(s => s.self.id === start.node)]!
    assert.notEqual(victim, client, 'the master must not run tasks with --no-master-tasks')
    victim.signal('SIGKILL')
    const r = await pending
    assert.equal(r.ok, true, JSON.stringify(r))
    assert.notEqual(r.node, start.node)
    assert.ok(r.attempts >= 2)
  })
})

test('SIGKILL the master in the middle of 2,000 tasks: every accepted task completes, and runs twice only if its worker died', { timeout: 180_000 }, async () => {
  await withCluster({ eventLogs: true, nodes: 3 }, async (c, st) => {
    const client = nonMaster(c, st)
    const masterId = st[0]!.master!.id
    const master = c.nodes[st.findIndex(s => s.self.id === masterId)]!
    const N = 2000
    let done = 0
    let next = 0
    const results: Submitted[] = []
    const worker = async (): Promise<void> => {
      while (next < N) {
        const k = next++
        results.push(await post(client, { type: 'sleep', payload: { ms: 5 }, options: { id: `t-${k}` } }))
        done++
      }
    }
    const runners = Array.from({ length: 64 }, worker)
    await waitFor('a quarter of the tasks', () => done >= N / 4, 60_000)
    master.signal('SIGKILL')
    await Promise.all(runners)
    assert.equal(results.length, N)
    const failed = results.filter(r => !r.ok)
    assert.deepEqual(failed.map(r => `${r.id}: ${r.error?.code ?? ''} ${r.error?.message ?? ''}`), [])

    const starts = new Map<string, string[]>()
    for (const e of history(c)) if (e.type === 'task-start') starts.set(e.id, [...(starts.get(e.id) ?? []), e.node])
    assert.equal(starts.size, N, 'every task started somewhere')
    const unexplained = [...starts].filter(([, nodes]) => nodes.length > 1 && !nodes.includes(masterId))
    assert.deepEqual(unexplained, [], 'duplicates not explained by the dead worker')
  })
})

test('a master that keeps acting after losing its lease (fault injected) has its stale orders refused by workers', { timeout: 120_000 }, async () => {
  await withCluster({ eventLogs: true, nodes: 3, envFor: () => ({ MCP_FAULT_IGNORE_LEASE: '1' }) }, async (c, st) => {
    const client = nonMaster(c, st)
    const old = { id: st[0]!.master!.id }
    const master = c.nodes[st.findIndex(s => s.self.id === old.id)]!
    // Enough queued work that the old master still has orders to give when it wakes.
    const pending = Array.from({ length: 300 }, async (_, k) => await post(client, { type: 'sleep', payload: { ms: 40 }, options: { id: `p-${k}` } }))
    await new Promise(resolve => setTimeout(resolve, 300))
    master.signal('SIGSTOP')
    const others = c.nodes.filter(n => n !== master)
    const newEpoch = await waitFor('a new master', async () => {
      const s = await others[0]!.status()
      return s?.master != null && s.master.id !== old.id ? s.master.epoch : undefined
    }, 15_000)
    await new Promise(resolve => setTimeout(resolve, 500))
    master.signal('SIGCONT')
    const results = await Promise.all(pending)
    const failed = results.filter(r => !r.ok).map(r => `${r.id}: ${r.error?.code ?? ''} ${r.error?.message ?? ''}`)
    assert.deepEqual(failed, [], 'every task still completes')

    const h = history(c)
    // Its epoch is whatever it held when stopped: under load it may have been re-elected (a higher
    // epoch) after the cluster first converged, so any epoch below the new master's counts.
    const refused = h.filter(e => e.type === 'order-refused' && e.from === old.id && e.epoch < newEpoch && e.node !== old.id)
    assert.ok(refused.length > 0, 'the stale master sent orders after waking, and workers refused them')
    // No node ever accepted an order with an epoch below one it had accepted before.
    const highest = new Map<string, number>()
    for (const e of h) {
      if (e.type !== 'order-accepted') continue
      assert.ok(e.epoch >= (highest.get(e.node) ?? 0), `${e.node} accepted epoch ${e.epoch} after ${highest.get(e.node) ?? 0}`)
      highest.set(e.node, Math.max(e.epoch, highest.get(e.node) ?? 0))
    }
  })
})
