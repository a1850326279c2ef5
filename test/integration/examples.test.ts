import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))

test('examples/embed starts a node in an app, sees itself elected, and stops cleanly', { timeout: 60_000 }, () => {
  const r = spawnSync(process.execPath, ['examples/embed/app.mjs'], { cwd: root, encoding: 'utf8', timeout: 50_000 })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /this node is master at epoch \d+/)
  const summary = JSON.parse(r.stdout.split('\n').find(l => l.startsWith('{'))!) as { master: { id: string } | null, members: Array<{ id: string, role: string }> }
  assert.ok(summary.master != null, 'a one-node cluster elects itself')
  assert.equal(summary.members.length, 1)
  assert.equal(summary.members[0]!.role, 'master')
  assert.match(r.stdout, /stopped\s*$/)
})
