import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { runMembershipScenario, type MembershipScenarioResult } from './scenarios/membership.js'
import { netnsUnavailable, runInPrivateNetns } from '../../src/harness/netns.js'

function checkScenario (r: MembershipScenarioResult, mdns: boolean): void {
  // The count is mDNS's own finds: zero with mDNS off, the two others with it on.
  assert.deepEqual(r.mdnsDiscovered, mdns ? [2, 2, 2] : [0, 0, 0])
  // Each node sees the two others alive, with the capacity they advertise.
  assert.equal(r.views.length, 3)
  for (const v of r.views) {
    assert.equal(v.alive.length, 2, `node ${v.self} sees ${v.alive.length} others alive`)
    assert.ok(!v.alive.includes(v.self))
    for (const slots of v.slots) assert.ok(slots >= 1, 'capacity advertised')
  }
  // A graceful stop says goodbye on gossip: the others mark it gone because it left, not
  // because it went silent (how fast, is for bench:discovery to measure).
  assert.deepEqual(r.goneState, ['dead:left', 'dead:left'])
  assert.deepEqual(r.backViews, [3, 3, 3])
}

test('three nodes on 127.0.0.1 with --peer and --no-mdns see each other, notice a stop, and see a restart', { timeout: 90_000 }, async () => {
  const cluster = await LocalCluster.create({ nodes: 3 })
  try {
    checkScenario(await runMembershipScenario(cluster), false)
  } finally {
    await cluster.stop()
    cluster.cleanup()
  }
})

const skip = netnsUnavailable()
test('three nodes discover each other by mDNS alone, inside a private network namespace', { timeout: 120_000, skip }, async () => {
  const script = fileURLToPath(new URL('./scenarios/mdns-main.js', import.meta.url))
  const r = await runInPrivateNetns(script)
  assert.equal(r.code, 0, `scenario failed: ${r.stderr}`)
  checkScenario(JSON.parse(r.stdout.trim().split('\n').pop()!) as MembershipScenarioResult, true)
})
