// GET /metrics on a real 3-node cluster on 127.0.0.1: the named metrics exist and move when
// tasks run, and the survivors time the failover after the master is killed.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { waitFor, type NodeProcess } from '../../src/harness/node-process.js'
import { killMaster, nodeById } from './scenarios/election.js'

/** One scrape as `name{labels}` -> value, and the response's content type. */
async function scrape (node: NodeProcess): Promise<{ values: Map<string, number>, contentType: string }> {
  const res = await fetch(`http://${node.spec.http!}/metrics`, { signal: AbortSignal.timeout(5000) })
  assert.equal(res.status, 200)
  const values = new Map<string, number>()
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const cut = line.lastIndexOf(' ')
    values.set(line.slice(0, cut), Number(line.slice(cut + 1)))
  }
  return { values, contentType: res.headers.get('content-type') ?? '' }
}

function get (values: Map<string, number>, key: string): number {
  const v = values.get(key)
  assert.ok(v !== undefined, `no sample ${key}; have: ${[...values.keys()].filter(k => k.startsWith(key.split('{')[0]!)).join(', ')}`)
  return v
}

/** The sum of every sample of `name` whose labels contain `labels` (e.g. 'type="echo"'). */
function sum (values: Map<string, number>, name: string, labels = ''): number {
  let total = 0
  for (const [k, v] of values) if ((k === name || k.startsWith(`${name}{`)) && k.includes(labels)) total += v
  return total
}

describe('GET /metrics on a 3-node cluster', { timeout: 180_000 }, () => {
  let cluster: LocalCluster
  let master: NodeProcess
  let other: NodeProcess

  before(async () => {
    cluster = await LocalCluster.create({ nodes: 3, logLevel: 'warn' })
    cluster.start()
    const st = await cluster.waitConverged(30_000)
    master = nodeById(cluster, st, st[0]!.master!.id)
    other = cluster.nodes.find(n => n !== master)!
    const echoes = Array.from({ length: 40 }, async (_, i) => await other.submit({ type: 'echo', payload: i }))
    // A handler error with one retry (retried, then failed), and an attempt that times out.
    const failing = other.submit({ type: 'sleep', payload: { ms: 'soon' }, options: { retries: 1, backoffMs: 10 } })
    const slow = other.submit({ type: 'sleep', payload: { ms: 3000 }, options: { timeoutMs: 100 } })
    const results = await Promise.all([...echoes, failing, slow])
    assert.equal(results.filter(r => r.ok).length, 40)
  })

  after(async () => {
    await cluster?.stop()
    cluster?.cleanup()
  })

  test('the submitter counts each task once; the master counts and times its placements', async () => {
    const m = await scrape(master)
    assert.match(m.contentType, /^text\/plain; version=0\.0\.4/)
    // The cluster's totals are the sums over the nodes (a busy machine may have moved the lease meanwhile).
    const all = await waitFor('exactly one node to report the master role', async () => {
      const vs = await Promise.all(cluster.nodes.map(async n => (await scrape(n)).values))
      return vs.filter(v => get(v, 'mcp_cluster_role{role="master"}') === 1).length === 1 ? vs : undefined
    }, 20_000, 200)
    const total = (name: string): number => all.reduce((acc, v) => acc + get(v, name), 0)
    assert.ok(total('mcp_cluster_tasks_placed_total') >= 43, 'every attempt is placed, the retry included')
    assert.ok(total('mcp_cluster_tasks_retried_total') >= 1)
    assert.ok(total('mcp_cluster_tasks_timed_out_total') >= 1)
    assert.ok(total('mcp_cluster_placement_seconds_count') >= 43)
    assert.ok(total('mcp_cluster_elections_won_total') >= 1)
    for (const v of all) {
      assert.ok(get(v, 'mcp_cluster_epoch') >= 1)
      assert.equal(get(v, 'mcp_cluster_voters'), 3)
      // Only a master places: a node that never won an election has placed nothing.
      if (get(v, 'mcp_cluster_elections_won_total') === 0) assert.equal(get(v, 'mcp_cluster_tasks_placed_total'), 0)
    }
    const current = cluster.nodes[all.findIndex(v => get(v, 'mcp_cluster_role{role="master"}') === 1)]!
    assert.equal(get((await scrape(current)).values, 'mcp_cluster_master_known'), 1)
    await waitFor('a timed lease renewal', async () => get((await scrape(current)).values, 'mcp_cluster_lease_renew_seconds_count') > 0, 10_000, 200)

    // Each task is counted once, where it was submitted: exactly what this test submitted.
    const o = (await scrape(other)).values
    assert.equal(get(o, 'mcp_cluster_tasks_submitted_total'), 42)
    assert.equal(get(o, 'mcp_cluster_tasks_completed_total'), 40)
    assert.equal(get(o, 'mcp_cluster_tasks_failed_total'), 2)
    assert.equal(get(o, 'mcp_cluster_tasks_awaiting_result'), 0)
    assert.equal(total('mcp_cluster_tasks_completed_total'), 40, 'nobody else counts them')
  })

  test('workers time the tasks they ran, per type; the run counts add up over the cluster', async () => {
    const all = await Promise.all(cluster.nodes.map(async n => (await scrape(n)).values))
    const echoRuns = all.reduce((acc, v) => acc + sum(v, 'mcp_cluster_task_run_seconds_count', 'type="echo",outcome="ok"'), 0)
    assert.ok(echoRuns >= 40, `echo runs ${echoRuns}`)
    const sleepErrors = all.reduce((acc, v) => acc + sum(v, 'mcp_cluster_task_run_seconds_count', 'type="sleep",outcome="error"'), 0)
    assert.ok(sleepErrors >= 2, `sleep errors ${sleepErrors}`)
  })

  test('network and process metrics: connections, streams, gossip, peer round trips, memory', async () => {
    // libp2p's connection monitor pings each connection every 15 s: wait for the first round trip to every peer.
    const v = await waitFor('round trips to both peers', async () => {
      const values = (await scrape(other)).values
      return [...values.keys()].filter(k => k.startsWith('mcp_cluster_peer_rtt_seconds{')).length === 2 ? values : undefined
    }, 45_000, 500)
    assert.ok(sum(v, 'mcp_cluster_connections') >= 2)
    assert.ok(get(v, 'mcp_cluster_streams{protocol="/mcp-cluster/tasks/1.0.0"}') >= 1)
    assert.ok(get(v, 'mcp_cluster_heartbeats_sent_total') > 0)
    assert.ok(get(v, 'mcp_cluster_heartbeats_received_total') > 0)
    assert.equal(get(v, 'mcp_cluster_members{state="alive"}'), 3)
    for (const [k, rtt] of v) if (k.startsWith('mcp_cluster_peer_rtt_seconds{')) assert.ok(rtt >= 0 && rtt < 5, `${k} ${rtt}`)
    assert.ok(get(v, 'mcp_cluster_process_memory_bytes{kind="rss"}') > 10e6)
    assert.ok(get(v, 'mcp_cluster_process_cpu_seconds_total') > 0)
    assert.ok(get(v, 'mcp_cluster_event_loop_delay_seconds') >= 0)
  })

  test('after the master is killed, the survivors time the failover and the new master says so', async () => {
    const before = new Map(await Promise.all(cluster.nodes.map(async n => [n, (await scrape(n)).values] as const)))
    const r = await killMaster(cluster)
    const survivors = cluster.nodes.filter(n => n.alive)
    const views = await waitFor('both survivors to time the failover', async () => {
      const vs = await Promise.all(survivors.map(async n => (await scrape(n)).values))
      return vs.every(v => get(v, 'mcp_cluster_failover_seconds_count') >= 1) ? vs : undefined
    }, 20_000, 200)
    for (const v of views) {
      assert.ok(get(v, 'mcp_cluster_failover_seconds_sum') > 0)
      assert.ok(get(v, 'mcp_cluster_epoch') >= r.after.epoch)
    }
    const newMaster = nodeById(cluster, await cluster.waitConverged(20_000), r.after.id)
    const nm = await waitFor('the new master to report its role', async () => {
      const v = (await scrape(newMaster)).values
      return get(v, 'mcp_cluster_role{role="master"}') === 1 ? v : undefined
    }, 20_000, 200)
    assert.ok(get(nm, 'mcp_cluster_elections_won_total') > get(before.get(newMaster)!, 'mcp_cluster_elections_won_total'))
    assert.ok(get(nm, 'mcp_cluster_elections_started_total') >= 1)
  })
})
