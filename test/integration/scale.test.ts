import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runScale } from '../../src/harness/scale-run.js'

// Correctness at a size where gossip, not seeds, must do the introductions (3 seeds, 10 nodes).
test('10 nodes from 3 seeds: every node sees every other, one master, every task done, tasks on every node', { timeout: 180_000 }, async () => {
  const r = await runScale({ nodes: 10, tasks: 400, taskMs: 30, concurrency: 64, gossipSampleMs: 2000, convergeTimeoutMs: 120_000 })
  assert.ok(r.converged, `converged within 120 s (${JSON.stringify(r)})`)
  assert.equal(r.masters, 1, 'one master')
  assert.equal(r.nodesSeeingAll, 10, 'every node sees all ten alive')
  assert.equal(r.tasks.ok, 400, `every task done (failures: ${JSON.stringify(r.tasks.failures)})`)
  assert.equal(r.tasks.ranOnNodes, 10, 'the master spread the tasks over every node')
  assert.ok(r.gossip.receivedPerNodePerSec > 0, 'heartbeats flow')
})
