// `tasks explain <id>` on a node that is not the master: the node asks the master for the task's
// placement record and shows it with its own result; the placement shown is where the task ran.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import type { NodeProcess } from '../../src/harness/node-process.js'
import type { TaskAnswer } from '../../src/cli/commands/tasks.js'
import type { TaskResult } from '../../src/node/task-api.js'
import { runCli, type CliRun } from './run-cli.js'

async function explain (node: NodeProcess, id: string, ...args: string[]): Promise<CliRun> {
  return await runCli('tasks', 'explain', id, '--http', node.spec.http!, ...args)
}

test('explain at a node that is not the master shows the master\'s placement, matching where the task ran, with candidates and reasons', { timeout: 90_000 }, async () => {
  const c = await LocalCluster.create({ nodes: 3, logLevel: 'warn', nodeArgsFor: i => i === 2 ? ['--label', 'gpu=true'] : [] })
  c.start()
  try {
    const st = await c.waitConverged(30_000)
    const masterId = st[0]!.master!.id
    const ids = st.map(s => s.self.id)
    const gpuNode = ids[2]!
    const si = ids.findIndex(id => id !== masterId)
    const submitter = c.nodes[si]!
    const third = c.nodes[ids.findIndex((id, i) => id !== masterId && i !== si)]!

    // A constrained task: two nodes are ruled out, with the reason. A master whose lease lapsed
    // on a loaded machine rebuilds its table from the workers' reports, without the placement
    // reasons: then the task is run again under a new id (at most 3 tries).
    let ran!: TaskResult
    let a!: TaskAnswer
    let id = ''
    for (let k = 0; k < 3; k++) {
      id = `explain-gpu-${k}`
      ran = await submitter.submit<TaskResult>({ type: 'echo', payload: 'gpu', options: { id, constraints: { gpu: 'true' } } })
      assert.equal(ran.ok, true, JSON.stringify(ran))
      assert.equal(ran.node, gpuNode)
      const json = await explain(submitter, id, '--json')
      assert.equal(json.code, 0, json.stderr)
      a = JSON.parse(json.stdout) as TaskAnswer
      if (a.view?.attempts[0]?.decision != null) break
    }
    assert.equal(a.viewFrom, masterId, 'the placement record came from the master')
    assert.equal(a.result?.node, ran.node, 'the submitter\'s own result is merged in')
    const attempts = a.view!.attempts
    assert.equal(attempts.length, 1)
    const placed = attempts[0]!
    assert.equal(placed.node, ran.node, 'the explained placement is where the task ran')
    assert.equal(placed.outcome, 'ok')
    assert.equal(placed.decision!.nodeId, ran.node)
    assert.deepEqual(placed.decision!.candidates.map(x => x.nodeId).sort(), [...ids].sort(), 'every node was a candidate')
    for (const cand of placed.decision!.candidates) {
      if (cand.nodeId === gpuNode) assert.equal(typeof cand.score, 'number')
      else assert.match(cand.ruledOut ?? '', /label gpu=true required/)
    }

    const text = await explain(submitter, id)
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^\(placement record from the master …\w{8}; this node is …\w{8}\)$/m)
    assert.match(text.stdout, new RegExp(`^attempt 1 on ${gpuNode} at epoch \\d+: ok$`, 'm'))
    assert.match(text.stdout, new RegExp(`^ +\\* ${gpuNode}: score `, 'm'))
    assert.equal(text.stdout.match(/ruled out: label gpu=true required/g)?.length, 2)
    assert.match(text.stdout, /^result: ok after 1 attempt on /m)

    // A node that neither placed nor submitted it: the master's record alone, its result included.
    const elsewhere = await explain(third, id, '--json')
    assert.equal(elsewhere.code, 0, elsewhere.stderr)
    const b = JSON.parse(elsewhere.stdout) as TaskAnswer
    assert.equal(b.result, undefined)
    assert.equal(b.view?.attempts[0]?.node, ran.node)
    assert.equal(b.view?.result?.ok, true)

    // An id nobody knows: exit 1, saying the master was asked.
    const unknown = await explain(submitter, 'no-such-task')
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no task no-such-task known to this node \(the master \w+ has no record of it/)
  } finally {
    await c.stop()
    c.cleanup()
  }
})
