// `mcp-cluster top` as a user runs it, against a real 3-node cluster on 127.0.0.1.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { freePorts, waitFor } from '../../src/harness/node-process.js'
import type { ClusterStatus } from '../../src/node/status.js'
import { startCli } from './run-cli.js'

const short = (id: string): string => `…${id.slice(-8)}`

describe('mcp-cluster top', { timeout: 120_000 }, () => {
  let cluster: LocalCluster
  let statuses: ClusterStatus[]

  before(async () => {
    cluster = await LocalCluster.create({ nodes: 3, logLevel: 'warn' })
    cluster.start()
    statuses = await cluster.waitConverged(30_000)
  })

  after(async () => {
    await cluster?.stop()
    cluster?.cleanup()
  })

  test('top --once shows the three nodes with their roles, and the master', async () => {
    const served = statuses.findIndex(s => s.self.id !== statuses[0]!.master!.id)
    // A frame taken during an election says "master: none": take the next one then.
    const { r, shownMaster } = await waitFor('a frame with a master', async () => {
      const run = await startCli('top', '--once', '--http', cluster.nodes[served]!.spec.http!).done
      assert.equal(run.code, 0, run.stderr)
      const m = /^master: (…\w{8}) · epoch \d+ · lease \d+ ms left$/m.exec(run.stdout)?.[1]
      return m !== undefined ? { r: run, shownMaster: m } : undefined
    }, 20_000, 200)
    const lines = r.stdout.split('\n')
    // The frame is self-consistent: the master it names is one of the nodes, and that row says master.
    assert.ok(statuses.some(s => short(s.self.id) === shownMaster), `${shownMaster} is not a node of the cluster`)
    assert.match(r.stdout, /^NODE +ROLE +STATE +LOAD +LOOP +RTT +LAST SEEN$/m)
    for (const s of statuses) {
      const row = lines.find(l => l.startsWith(short(s.self.id)))
      assert.ok(row !== undefined, `no row for ${s.self.id}:\n${r.stdout}`)
      const role = short(s.self.id) === shownMaster ? 'master' : 'voter'
      assert.match(row, new RegExp(`^\\S+( \\(self\\))? +${role} +alive +\\[[#.]{10}\\] \\d+/\\d+`))
    }
    assert.ok(lines.some(l => l.startsWith(`${short(statuses[served]!.self.id)} (self) `)), 'the serving node is marked (self)')
    assert.match(r.stdout, /^voters: (…\w{8} \(alive\)(, )?){3}$/m)
  })

  test('live mode redraws until interrupted, then exits 0', async () => {
    const run = startCli('top', '--interval', '200', '--http', cluster.nodes[0]!.spec.http!)
    await waitFor('two frames', () => run.out().split('mcp-cluster top · ').length > 2, 20_000)
    run.child.kill('SIGINT')
    const r = await run.done
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^master: …\w{8} · epoch/m)
  })

  test('top --once against no node fails with a clear message', async () => {
    const [port] = await freePorts(1)
    const r = await startCli('top', '--once', '--http', `127.0.0.1:${port!}`).done
    assert.equal(r.code, 1)
    assert.match(r.stderr, /cannot reach the node at http:\/\/127\.0\.0\.1:\d+/)
  })
})
