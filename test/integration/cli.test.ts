// The `submit` and `tasks` commands as a user runs them: the CLI as a child process (the same
// program the harness runs nodes with: the bundle once built, else the compiled main.js),
// against the HTTP endpoint of a real 3-node cluster on 127.0.0.1.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { runCli } from './run-cli.js'
import type { ClusterStatus } from '../../src/node/status.js'

const cli = runCli

/** Endpoints of the master and of a node that is not the master, with the master's id. */
interface Endpoints { master: string, other: string, masterId: string }

async function withCluster (fn: (ep: Endpoints) => Promise<void>): Promise<void> {
  const c = await LocalCluster.create({ nodes: 3, logLevel: 'warn' })
  c.start()
  try {
    const st: ClusterStatus[] = await c.waitConverged(30_000)
    const masterId = st[0]!.master!.id
    const at = (i: number): string => c.nodes[i]!.spec.http!
    await fn({
      master: at(st.findIndex(s => s.self.id === masterId)),
      other: at(st.findIndex(s => s.self.id !== masterId)),
      masterId
    })
  } finally {
    await c.stop()
    c.cleanup()
  }
}

test('submit one echo through a node that is not the master: prints the payload, exit 0', { timeout: 60_000 }, async () => {
  await withCluster(async (ep) => {
    const payload = { greeting: 'hello', n: [1, 2, 3], nested: { ok: true } }
    const r = await cli('submit', 'echo', '--payload', JSON.stringify(payload), '--http', ep.other)
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), payload)
    assert.match(r.stderr, /^task \S+ done on \S+ after 1 attempt/)
  })
})

test('submit --count 50 reports 50 done and exits 0; --json gives the same summary as data', { timeout: 60_000 }, async () => {
  await withCluster(async (ep) => {
    const r = await cli('submit', 'echo', '--payload', '7', '--count', '50', '--concurrency', '8', '--http', ep.other)
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^50 tasks: 50 done, 0 failed$/m)
    assert.match(r.stdout, /^elapsed \d+\.\d\d s, \d+\.\d tasks\/s$/m)
    assert.match(r.stdout, /^latency per request: median [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms$/m)
    // stderr is not a terminal here: one progress line, at the end.
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, /^50\/50 finished, 0 failed, 0 in flight/)

    const j = await cli('submit', 'echo', '--count', '10', '--concurrency', '3', '--json', '--http', ep.master)
    assert.equal(j.code, 0, j.stderr)
    const s = JSON.parse(j.stdout)
    assert.equal(s.tasks, 10)
    assert.equal(s.done, 10)
    assert.equal(s.failed, 0)
    assert.deepEqual(s.failures, {})
    assert.ok(s.elapsedMs > 0 && s.tasksPerSecond > 0, j.stdout)
    assert.ok(s.latencyMs.median > 0 && s.latencyMs.median <= s.latencyMs.p99 && s.latencyMs.p99 <= s.latencyMs.max, j.stdout)
  })
})

test('a task of an unknown type exits non-zero and shows the error code, alone or in a batch', { timeout: 60_000 }, async () => {
  await withCluster(async (ep) => {
    const r = await cli('submit', 'no-such-type', '--http', ep.other)
    assert.notEqual(r.code, 0)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /failed: no-eligible-node: .*no handler for type 'no-such-type'/)

    const b = await cli('submit', 'no-such-type', '--count', '3', '--http', ep.other)
    assert.notEqual(b.code, 0)
    assert.match(b.stdout, /^3 tasks: 0 done, 3 failed$/m)
    assert.match(b.stdout, /^ {2}3 no-eligible-node, e\.g\. /m)
  })
})

test('bad --payload JSON: a clear error naming the flag, before any request', { timeout: 30_000 }, async () => {
  // Port 1 on loopback has nothing listening: reaching for the node would be a different error.
  const r = await cli('submit', 'echo', '--payload', '{not json', '--http', '127.0.0.1:1')
  assert.notEqual(r.code, 0)
  assert.equal(r.stdout, '')
  assert.match(r.stderr, /--payload/)
  assert.match(r.stderr, /must be valid JSON/)
  assert.doesNotMatch(r.stderr, /cannot reach/)
})

test('tasks explain: the master shows the node, epoch and candidates; another node shows the same, asked of the master', { timeout: 60_000 }, async () => {
  await withCluster(async (ep) => {
    const sub = await cli('submit', 'echo', '--payload', '"x"', '--json', '--http', ep.other)
    assert.equal(sub.code, 0, sub.stderr)
    const result = JSON.parse(sub.stdout) as { id: string, ok: boolean, node: string }
    assert.equal(result.ok, true)

    const e = await cli('tasks', 'explain', result.id, '--http', ep.master)
    assert.equal(e.code, 0, e.stderr)
    assert.match(e.stdout, new RegExp(`^task ${result.id}: done, type echo`, 'm'))
    assert.match(e.stdout, new RegExp(`^attempt 1 on ${result.node} at epoch \\d+: ok$`, 'm'))
    assert.match(e.stdout, new RegExp(`^ {4}\\* ${result.node}: score [\\d.]+$`, 'm'), 'the chosen candidate is marked')
    assert.match(e.stdout, new RegExp(`^result: ok after 1 attempt on ${result.node}, \\d+ ms: "x"$`, 'm'))

    // The submitting node has the result and asks the master for the placement; options may
    // also come before `explain`.
    const o = await cli('tasks', '--http', ep.other, 'explain', result.id)
    assert.equal(o.code, 0, o.stderr)
    assert.match(o.stdout, /^result: ok after 1 attempt/m)
    assert.match(o.stdout, new RegExp(`^\\(placement record from the master …${ep.masterId.slice(-8)}; `, 'm'))
    assert.match(o.stdout, new RegExp(`^attempt 1 on ${result.node} at epoch \\d+: ok$`, 'm'))
  })
})

test('tasks --state done lists the task on the master; elsewhere it says where the list lives', { timeout: 60_000 }, async () => {
  await withCluster(async (ep) => {
    const sub = await cli('submit', 'echo', '--json', '--http', ep.other)
    assert.equal(sub.code, 0, sub.stderr)
    const { id } = JSON.parse(sub.stdout) as { id: string }

    const l = await cli('tasks', '--state', 'done', '--http', ep.master)
    assert.equal(l.code, 0, l.stderr)
    assert.match(l.stdout, new RegExp(`^${id} +done +echo +1 +…\\w{8}$`, 'm'))
    assert.match(l.stdout, /^tasks: 0 queued, 0 placed, 0 running, 1 done, 0 failed, 0 cancelled$/m)

    const none = await cli('tasks', '--state', 'failed', '--http', ep.master)
    assert.equal(none.code, 0, none.stderr)
    assert.match(none.stdout, /^no failed tasks in the table$/m)

    const j = await cli('tasks', '--json', '--http', ep.master)
    const answer = JSON.parse(j.stdout) as { tasks: Array<{ id: string, state: string, type: string, attempts: number }> }
    assert.deepEqual(answer.tasks.map(t => [t.id, t.state, t.type, t.attempts]), [[id, 'done', 'echo', 1]])

    const o = await cli('tasks', '--http', ep.other)
    assert.equal(o.code, 0, o.stderr)
    assert.match(o.stdout, new RegExp(`is not the master: the task list lives on the master, ${ep.masterId}`))
    assert.match(o.stdout, /^as a worker: 0\/\d+ slots used/m)
  })
})
