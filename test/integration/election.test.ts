import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { waitFor } from '../../src/harness/node-process.js'
import { NetnsLan } from '../../src/harness/lan.js'
import { netnsUnavailable, runInNamespace } from '../../src/harness/netns.js'
import { agreedMaster, killMaster, pauseMaster } from './scenarios/election.js'
import type { PartitionResult } from './scenarios/partition-main.js'

async function withCluster (nodes: number, fn: (c: LocalCluster) => Promise<void>): Promise<void> {
  const cluster = await LocalCluster.create({ nodes })
  cluster.start()
  try {
    await fn(cluster)
  } finally {
    await cluster.stop()
    cluster.cleanup()
  }
}

test('kill -9 the master: the survivors elect a new master with a higher epoch; the restarted node rejoins without a new election', { timeout: 90_000 }, async () => {
  await withCluster(3, async (cluster) => {
    const r = await killMaster(cluster)
    assert.notEqual(r.after.id, r.before.id)
    assert.ok(r.after.epoch > r.before.epoch, `epoch ${r.after.epoch} must exceed ${r.before.epoch}`)

    const dead = cluster.nodes.find(n => !n.alive)!
    dead.start()
    const back = await waitFor('the restarted node to follow the current master', async () => {
      const m = await agreedMaster(cluster.nodes)
      return m?.id === r.after.id ? m : undefined
    }, 20_000)
    assert.equal(back.epoch, r.after.epoch, 'a rejoining voter must not disturb a healthy master')
  })
})

test('SIGSTOP the master past its lease: others elect a new master; after SIGCONT the old one never acts as master again', { timeout: 90_000 }, async () => {
  await withCluster(3, async (cluster) => {
    const r = await pauseMaster(cluster, 1500)
    assert.notEqual(r.during.id, r.before.id)
    assert.ok(r.during.epoch > r.before.epoch)
    assert.equal(r.resumedClaimedMaster, false, 'the woken node reported itself master after losing its lease')
    assert.notEqual(r.resumedSelfRole, 'master')
    assert.ok(r.resumedSeesMaster != null && r.resumedSeesMaster.epoch >= r.during.epoch)
  })
})

test('graceful stop of the master hands the lease over at once', { timeout: 90_000 }, async () => {
  await withCluster(3, async (cluster) => {
    const r = await killMaster(cluster, 'stop')
    assert.ok(r.after.epoch > r.before.epoch)
    // A handover, not an expiry: the old master named its successor when it stepped down
    // (how fast that is, is for bench:failover to measure).
    const steppedDown = readFileSync(r.victim.logFile, 'utf8').split('\n')
      .filter(l => l.includes('"election: stepped-down"')).map(l => JSON.parse(l) as { handoffTo: string | null })
    assert.equal(steppedDown.length, 1)
    assert.equal(steppedDown[0]!.handoffTo, r.after.id)
  })
})

const skip = netnsUnavailable()
test('partition the master from the majority (namespace LAN): the majority elects, the minority has no master, and after healing there is one', { timeout: 150_000, skip }, async () => {
  const lan = NetnsLan.create(`mcpt${process.pid}`, 3)
  try {
    const script = fileURLToPath(new URL('./scenarios/partition-main.js', import.meta.url))
    const r = await runInNamespace(lan.bridgeNs, script, [lan.prefix], 120_000)
    assert.equal(r.code, 0, `scenario failed: ${r.stderr.slice(-3000)}`)
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as PartitionResult
    assert.notEqual(res.majorityMaster.id, res.before.id)
    assert.ok(res.majorityMaster.epoch > res.before.epoch)
    assert.equal(res.minorityMaster, null, 'the isolated old master must not see itself (or anyone) as master')
    assert.ok(res.healedMaster.epoch >= res.majorityMaster.epoch)
  } finally {
    lan.destroy()
  }
})

test('a voter dead for good is replaced by a healthy worker, and the cluster keeps a master', { timeout: 120_000 }, async () => {
  const cluster = await LocalCluster.create({ nodes: 4, expect: 3, args: ['--replace-dead-voter-after-ms', '3000'] })
  cluster.start()
  try {
    const statuses = await cluster.waitConverged(30_000)
    const voters = statuses[0]!.voters!
    const worker = statuses.find(s => !voters.includes(s.self.id))!.self.id
    const master = statuses[0]!.master!.id
    // Kill a voter that is not the master, so the replacement runs without a failover.
    const victimId = voters.find(v => v !== master)!
    const victim = cluster.nodes[statuses.findIndex(s => s.self.id === victimId)]!
    victim.signal('SIGKILL')
    const survivors = cluster.nodes.filter(n => n !== victim)
    const after = await waitFor('the dead voter to be replaced', async () => {
      const st = await Promise.all(survivors.map(async n => await n.status()))
      if (st.some(s => s == null)) return undefined
      const sets = st.map(s => s!.voters ?? [])
      const done = sets.every(v => v.includes(worker) && !v.includes(victimId) && v.length === 3)
      return done ? st[0]! : undefined
    }, 60_000, 100)
    assert.ok(after.configVersion >= 2, `two committed steps (add, remove), got version ${after.configVersion}`)
    assert.ok(after.master != null, 'a master all along the change')
    assert.equal(await agreedMaster(survivors).then(m => m?.id), master, 'no failover was needed')
  } finally {
    await cluster.stop()
    cluster.cleanup()
  }
})
