import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { waitFor } from '../../src/harness/node-process.js'
import type { ClusterStatus } from '../../src/node/status.js'
import { generateKey as generateSharedKey } from './run-cli.js'

function generateKey (path: string): void {
  assert.match(generateSharedKey(path), /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
}

test('nodes with the cluster secret form a cluster; a node with another secret, or none, cannot join it', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-secret-'))
  generateKey(join(dir, 'cluster.key'))
  generateKey(join(dir, 'other.key'))
  const cluster = await LocalCluster.create({
    nodes: 5,
    expect: 3,
    dir,
    // Nodes 1-3 share the key; node 4 has another key; node 5 has none.
    nodeArgsFor: i => i < 3 ? ['--secret-file', join(dir, 'cluster.key')] : i === 3 ? ['--secret-file', join(dir, 'other.key')] : []
  })
  cluster.start()
  try {
    const members = cluster.nodes.slice(0, 3)
    const st = await waitFor('the three nodes with the secret to agree on a master', async () => {
      const s = await Promise.all(members.map(async n => await n.status()))
      if (s.some(x => x?.master == null)) return undefined
      return s.every(x => x!.members.filter(m => m.state === 'alive').length === 3) ? s as ClusterStatus[] : undefined
    }, 30_000)
    // Give the strangers time to try (they dial every member, with back-off).
    await new Promise(resolve => setTimeout(resolve, 3000))
    const ids = new Set(st.map(s => s.self.id))
    for (const n of members) {
      const s = (await n.status())!
      assert.equal(s.self.openCluster, false)
      assert.deepEqual(s.members.map(m => m.id).filter(id => !ids.has(id)), [], 'a stranger made it into the view')
      assert.ok(s.master != null, 'the cluster keeps its master')
    }
    for (const stranger of cluster.nodes.slice(3)) {
      const s = (await stranger.status())!
      assert.deepEqual(s.members.filter(m => !m.self).map(m => m.id), [], 'the stranger sees nobody')
      assert.equal(s.network?.connections, 0)
      assert.ok((s.network?.dialFailures.length ?? 0) > 0, 'its failed dials are visible in /status')
    }
  } finally {
    await cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
