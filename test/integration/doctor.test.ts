// `mcp-cluster doctor` as a user runs it, against real node processes on 127.0.0.1: a healthy
// cluster is reported healthy (exit 0); planted problems (a stranger with another cluster
// secret, a voter killed, a voter paused) give exit 1 and the finding that names them. A real
// partition runs in a namespace LAN where that is possible.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { waitFor, type NodeProcess } from '../../src/harness/node-process.js'
import { NetnsLan } from '../../src/harness/lan.js'
import { netnsUnavailable, runInNamespace } from '../../src/harness/netns.js'
import type { ClusterStatus } from '../../src/node/status.js'
import type { DoctorAnswer } from '../../src/node/doctor-routes.js'
import type { Finding } from '../../src/observability/diagnose.js'
import type { PartitionDoctorResult } from './scenarios/doctor-partition-main.js'
import { generateKey, runCli, type CliRun } from './run-cli.js'
import { withCluster } from './with-cluster.js'

async function doctor (node: NodeProcess, ...args: string[]): Promise<CliRun> {
  return await runCli('doctor', '--http', node.spec.http!, ...args)
}

/** Runs `doctor --json` until `pick` finds what the test waits for (the cluster needs a moment to notice). */
async function doctorUntil (node: NodeProcess, what: string, pick: (a: DoctorAnswer) => Finding | undefined): Promise<{ run: CliRun, answer: DoctorAnswer, finding: Finding }> {
  return await waitFor(what, async () => {
    const run = await doctor(node, '--json')
    if (run.stdout === '') return undefined
    const answer = JSON.parse(run.stdout) as DoctorAnswer
    const finding = pick(answer)
    return finding === undefined ? undefined : { run, answer, finding }
  }, 45_000, 300)
}

function problem (a: DoctorAnswer, what: RegExp): Finding | undefined {
  return a.findings.find(f => f.severity === 'problem' && what.test(f.what))
}

const masterIndex = (st: ClusterStatus[]): number => st.findIndex(s => s.self.id === s.master!.id)

test('a healthy 3-node cluster: doctor exits 0, every peer answers, all voters reachable', { timeout: 90_000 }, async () => {
  await withCluster({ nodes: 3, logLevel: 'warn' }, async (c, st) => {
    const other = c.nodes[(masterIndex(st) + 1) % 3]!
    const json = await doctor(other, '--json')
    assert.equal(json.code, 0, json.stdout + json.stderr)
    const a = JSON.parse(json.stdout) as DoctorAnswer
    assert.equal(a.healthy, true)
    assert.deepEqual(a.findings.filter(f => f.severity === 'problem'), [])
    assert.equal(a.facts.peers.length, 2)
    for (const p of a.facts.peers) {
      assert.equal(p.probe?.ok, true, `peer ${p.id}: ${JSON.stringify(p.probe)}`)
      assert.ok(p.probe.ok && p.probe.clock.rttMs > 0 && p.probe.clock.samples > 1)
    }
    assert.ok(a.findings.some(f => f.what === 'all 3 voters reachable (quorum 2)'))
    const text = await doctor(other)
    assert.equal(text.code, 0, text.stdout + text.stderr)
    assert.match(text.stdout, /^healthy: no problem found/m)
    assert.match(text.stdout, /^PEER +STATE +ROLE +CONNECTED +RTT +CLOCK OFFSET/m)
  })
})

test('a voter killed (SIGKILL): doctor at a survivor exits 1 and names it unreachable', { timeout: 90_000 }, async () => {
  await withCluster({ nodes: 3, logLevel: 'warn' }, async (c, st) => {
    const mi = masterIndex(st)
    const vi = (mi + 1) % 3
    const victimId = st[vi]!.self.id
    c.nodes[vi]!.signal('SIGKILL')
    const r = await doctorUntil(c.nodes[mi]!, 'doctor to report the killed voter unreachable',
      a => problem(a, new RegExp(`^voter ${victimId.slice(-8)} is unreachable$`)))
    assert.equal(r.run.code, 1)
    assert.equal(r.answer.healthy, false)
    assert.match(r.finding.why, /no heartbeat of it for/)
    assert.ok(r.answer.findings.some(f => f.what === '2 of 3 voters reachable (quorum 2)'))
  })
})

test('a voter paused (SIGSTOP, as if cut off): doctor exits 1 naming it; after SIGCONT it is healthy again', { timeout: 90_000 }, async () => {
  await withCluster({ nodes: 3, logLevel: 'warn' }, async (c, st) => {
    const mi = masterIndex(st)
    const vi = (mi + 2) % 3
    const victimId = st[vi]!.self.id
    const victim = c.nodes[vi]!
    victim.signal('SIGSTOP')
    try {
      const r = await doctorUntil(c.nodes[mi]!, 'doctor to report the paused voter',
        a => problem(a, new RegExp(`^voter ${victimId.slice(-8)} (does not answer|is unreachable)$`)))
      assert.equal(r.run.code, 1)
      const text = await doctor(c.nodes[mi]!)
      assert.equal(text.code, 1)
      assert.match(text.stdout, new RegExp(`^PROBLEM +voter ${victimId.slice(-8)} (does not answer|is unreachable)$`, 'm'))
    } finally {
      victim.signal('SIGCONT')
    }
    const back = await waitFor('doctor to find the cluster healthy again', async () => {
      const run = await doctor(c.nodes[mi]!, '--json')
      return run.code === 0 ? JSON.parse(run.stdout) as DoctorAnswer : undefined
    }, 45_000, 500)
    assert.equal(back.healthy, true)
  })
})

test('a stranger with another cluster secret: doctor on both sides exits 1 and blames the secret', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-doctor-'))
  generateKey(join(dir, 'cluster.key'))
  generateKey(join(dir, 'other.key'))
  // Every node gets every other as --peer: the members dial the stranger and it dials them.
  const c = await LocalCluster.create({ nodes: 4, expect: 3, dir, logLevel: 'warn', nodeArgsFor: i => ['--secret-file', join(dir, i < 3 ? 'cluster.key' : 'other.key')] })
  c.start()
  try {
    await waitFor('the three members to agree on a master', async () => {
      const st = await Promise.all(c.nodes.slice(0, 3).map(async n => await n.status()))
      return st.every(s => s?.master != null && s.members.filter(m => m.state === 'alive').length === 3)
    }, 30_000)
    const strangerAddr = c.nodes[3]!.spec.args[c.nodes[3]!.spec.args.indexOf('--listen') + 1]!
    // A first dial may have been refused while the stranger was still starting: wait for one that reached it.
    const member = await doctorUntil(c.nodes[0]!, 'a member to report the stranger\'s handshake failure', (a) => {
      const f = problem(a, new RegExp(`^cannot connect to --peer ${strangerAddr.replace(/\//g, '\\/')}$`))
      return f !== undefined && /handshake/.test(f.why) ? f : undefined
    })
    assert.equal(member.run.code, 1)
    assert.match(member.finding.why, /(refuses|never completes) our handshake .*another cluster secret/)
    assert.match(member.finding.fix, /same --secret-file/)
    assert.equal(problem(member.answer, /voter|master/), undefined, 'the cluster itself is fine')

    // Its first dials may have been refused (the members were still starting): wait for the handshakes.
    const stranger = await doctorUntil(c.nodes[3]!, 'the stranger to report it is alone, refused by the members\' handshakes',
      a => a.findings.some(f => f.severity === 'problem' && /another cluster secret/.test(f.why)) ? problem(a, /^this node sees no other node$/) : undefined)
    assert.equal(stranger.run.code, 1)
    assert.equal(stranger.answer.healthy, false)
  } finally {
    await c.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})

const skip = netnsUnavailable()
test('a real partition (namespace LAN, mDNS): the majority names the cut-off voter, the cut-off node reports no quorum', { timeout: 200_000, skip }, async () => {
  const lan = NetnsLan.create(`mcpd${process.pid}`, 3)
  try {
    const script = fileURLToPath(new URL('./scenarios/doctor-partition-main.js', import.meta.url))
    const r = await runInNamespace(lan.bridgeNs, script, [lan.prefix], 180_000)
    assert.equal(r.code, 0, `scenario failed: ${r.stderr.slice(-3000)}`)
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as PartitionDoctorResult
    assert.equal(res.majority.code, 1)
    assert.match(res.majority.finding, new RegExp(`^voter ${res.isolated.slice(-8)} (is unreachable|does not answer|is in gossip but not connected to this node)$`))
    assert.equal(res.minority.code, 1)
    assert.match(res.minority.finding, /^no quorum: 1 of 3 voters reachable, 2 needed$/)
    assert.equal(res.minority.mdns, true)
    assert.equal(res.healed.code, 0, `after healing: ${res.healed.problems.join(' | ')}`)
  } finally {
    lan.destroy()
  }
})
