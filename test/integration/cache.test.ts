// Result caching on a real 3-node cluster on 127.0.0.1: identical deterministic tasks run their
// handler once (concurrently and one after another), repeats go to the node holding the result,
// the holder's death costs one more run elsewhere, and a result past its TTL runs again. Handler
// runs are counted from the nodes' event logs (one task-start per run of a handler).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { waitFor, type NodeProcess } from '../../src/harness/node-process.js'
import { readHistory } from '../../src/harness/history.js'
import type { ClusterStatus } from '../../src/node/status.js'
import type { TaskResult } from '../../src/node/task-api.js'
import { runCli, type CliRun } from './run-cli.js'

type Answer = TaskResult & { state: string }

let cluster: LocalCluster
/** The node the tests submit through (any live node works; it forwards to the master). */
let client: NodeProcess

function sha256Task (data: string, options: Record<string, unknown> = { cache: true }): unknown {
  return { type: 'sha256', payload: { data, rounds: 2000 }, options }
}

/** Handler runs of these task ids, over every node's history. */
function runsOf (answers: Answer[]): number {
  const ids = new Set(answers.map(a => a.id))
  return readHistory(cluster.nodes.map(n => join(n.spec.dir, 'events.jsonl'))).filter(e => e.type === 'task-start' && ids.has(e.id)).length
}

async function submit (body: unknown, through = client): Promise<Answer> {
  const a = await through.submit<Answer>(body)
  assert.equal(a.ok, true, JSON.stringify(a))
  return a
}

function nodeWithId (id: string, statuses: Array<ClusterStatus | undefined>): NodeProcess {
  const i = statuses.findIndex(s => s?.self.id === id)
  assert.ok(i >= 0, `no live node has id ${id}`)
  return cluster.nodes[i]!
}

describe('result caching on 3 loopback nodes', { timeout: 180_000 }, () => {
  before(async () => {
    cluster = await LocalCluster.create({ nodes: 3, eventLogs: true, logLevel: 'warn' })
    cluster.start()
    const st = await cluster.waitConverged(60_000)
    client = cluster.nodes[st.findIndex(s => s.self.id !== s.master?.id)]!
  })

  after(async () => {
    await cluster.stop()
    cluster.cleanup()
  })

  const data = `cache-test-${randomUUID()}`
  let first: Answer[] = []

  test('20 identical tasks submitted at once run the handler once and all get the same value', async () => {
    first = await Promise.all(Array.from({ length: 20 }, async () => await submit(sha256Task(data))))
    assert.equal(runsOf(first), 1)
    const values = new Set(first.map(a => JSON.stringify(a.value)))
    assert.equal(values.size, 1)
    assert.equal(first.filter(a => a.cached !== true).length, 1, 'exactly one answer came from running the handler')
  })

  test('the same task submitted again, one at a time, is answered from the holder\'s cache', async () => {
    const holder = first.find(a => a.cached !== true)!.node
    const again: Answer[] = []
    for (let i = 0; i < 5; i++) again.push(await submit(sha256Task(data)))
    assert.equal(runsOf([...first, ...again]), 1)
    assert.deepEqual(again.map(a => [a.cached, a.node, JSON.stringify(a.value)]), again.map(() => [true, holder, JSON.stringify(first[0]!.value)]))
  })

  test('/status shows the holder\'s cache and the master\'s index', async () => {
    const holder = first.find(a => a.cached !== true)!.node!
    const statuses = await cluster.statuses()
    const cache = statuses.find(s => s?.self.id === holder)?.cache
    assert.ok(cache != null)
    assert.ok(cache.entries >= 1 && cache.bytes > 0, JSON.stringify(cache))
    assert.ok(cache.hits >= 5, `hits ${cache.hits}`)
    assert.ok(cache.misses >= 1, `misses ${cache.misses}`)
    assert.equal(cache.maxBytes, 32 * 1024 * 1024)
    const master = statuses.find(s => s != null && s.self.id === s.master?.id)
    assert.ok((master?.cache?.index?.keys ?? 0) >= 1, JSON.stringify(master?.cache))
    assert.ok(statuses.filter(s => s != null && s.self.id !== s.master?.id).every(s => s?.cache?.index === null))
  })

  test('after the holder is killed, the next request runs once more on another node and succeeds', async () => {
    const holder = first.find(a => a.cached !== true)!.node!
    nodeWithId(holder, await cluster.statuses()).signal('SIGKILL')
    // Wait until the survivors call it dead and agree on a master that is alive.
    const st = await waitFor('the survivors to see the holder dead and agree on a master', async () => {
      const all = (await cluster.statuses()).filter((s): s is ClusterStatus => s != null)
      const agreed = all.length === 2 && all.every(s => s.master != null && s.master.id !== holder && s.master.id === all[0]!.master?.id &&
        s.members.find(m => m.id === holder)?.state === 'dead')
      return agreed ? all : undefined
    }, 60_000)
    if (!client.alive) client = nodeWithId(st[0]!.self.id, await cluster.statuses())
    const after = await submit(sha256Task(data))
    assert.notEqual(after.node, holder)
    assert.notEqual(after.cached, true)
    assert.deepEqual(after.value, first[0]!.value)
    assert.equal(runsOf([...first, after]), 2)
    // And the new holder serves the next one.
    const next = await submit(sha256Task(data))
    assert.deepEqual([next.cached, next.node], [true, after.node])
    assert.equal(runsOf([...first, after, next]), 2)
  })

  test('a result past its time-to-live runs again', async () => {
    const ttlData = `ttl-test-${randomUUID()}`
    const one = await submit(sha256Task(ttlData, { cache: true, cacheTtlMs: 1000 }))
    // Wait out the TTL: 1000 ms after the result was produced, with room to spare.
    await new Promise(resolve => setTimeout(resolve, 1500))
    const two = await submit(sha256Task(ttlData, { cache: true, cacheTtlMs: 1000 }))
    assert.equal(runsOf([one, two]), 2)
    assert.notEqual(two.cached, true)
    assert.deepEqual(two.value, one.value)
  })

  test('mcp-cluster submit --cache-key: the second run says it was served from cache', async () => {
    const key = `cli-${randomUUID()}`
    const cli = async (): Promise<CliRun> => await runCli('submit', 'echo', '--payload', '"cli"', '--cache-key', key, '--http', client.spec.http!)
    const a = await cli()
    assert.equal(a.code, 0, a.stderr)
    assert.doesNotMatch(a.stderr, /served from cache/)
    const b = await cli()
    assert.equal(b.code, 0, b.stderr)
    assert.equal(b.stdout.trim(), '"cli"')
    assert.match(b.stderr, /done .*\(served from cache\)$/m)
  })
})
