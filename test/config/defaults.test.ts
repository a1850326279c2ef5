// Option parsing only: no node starts here, so nothing multicasts in any network namespace.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultDataDir, defaultNodeOptions, localDefaults } from '../../src/config/defaults.js'
import { validateOptions } from '../../src/config/validate.js'
import { resolveOptions } from '../../src/config/load.js'

test('dataDir follows XDG_STATE_HOME when it is an absolute path', () => {
  assert.equal(defaultDataDir({ XDG_STATE_HOME: '/var/state' }, '/home/ann'), '/var/state/mcp-cluster')
})

test('dataDir falls back to ~/.local/state when XDG_STATE_HOME is unset, empty or relative', () => {
  for (const env of [{}, { XDG_STATE_HOME: '' }, { XDG_STATE_HOME: 'relative/dir' }]) {
    assert.equal(defaultDataDir(env, '/home/ann'), '/home/ann/.local/state/mcp-cluster')
  }
})

test('defaultNodeOptions fills every option with the documented values, and they validate', () => {
  const d = defaultNodeOptions({}, '/home/bob')
  assert.deepEqual(d.listen, ['/ip4/0.0.0.0/tcp/0'])
  assert.deepEqual(d.peers, [])
  assert.equal(d.mdns, true)
  assert.equal(d.cluster, 'mcp-cluster')
  assert.equal(d.http, '127.0.0.1:7070')
  assert.equal(d.httpToken, undefined)
  assert.equal(d.dataDir, '/home/bob/.local/state/mcp-cluster')
  assert.equal(d.expect, 3)
  assert.deepEqual(
    [d.heartbeatMs, d.suspectMs, d.deadMs, d.leaseMs, d.renewMs, d.maxDriftMs, d.electionBackoffMs, d.replaceDeadVoterAfterMs],
    [500, 1500, 3000, 1000, 200, 50, 150, 60000])
  assert.ok(Number.isInteger(d.slots) && d.slots >= 1)
  assert.equal(d.cpus, d.slots)
  assert.ok(d.memoryBytes > 0)
  assert.deepEqual([d.resources, d.labels], [{}, {}])
  assert.equal(d.masterTasks, true)
  assert.equal(d.placement, 'least-loaded')
  assert.equal(d.secretFile, undefined)
  assert.equal(d.logLevel, 'info')
  assert.deepEqual([d.maxQueue, d.maxPayloadBytes, d.submitTimeoutMs], [100000, 1048576, 30000])
  assert.equal(d.builtinTasks, true)
  assert.deepEqual(validateOptions(d), [])
})

test('each call returns fresh arrays and maps, so one node cannot change another\'s defaults', () => {
  const a = defaultNodeOptions({}, '/h')
  a.listen.push('/ip4/127.0.0.1/tcp/1')
  a.labels.zone = 'x'
  const b = defaultNodeOptions({}, '/h')
  assert.deepEqual(b.listen, ['/ip4/0.0.0.0/tcp/0'])
  assert.deepEqual(b.labels, {})
})

test('localDefaults keeps a node on loopback with no mDNS and no HTTP port', () => {
  const o = resolveOptions({ options: { ...localDefaults, expect: 1 }, env: {} })
  assert.deepEqual(o.listen, ['/ip4/127.0.0.1/tcp/0'])
  assert.equal(o.mdns, false)
  assert.equal(o.http, 'off')
  assert.equal(o.expect, 1)
})
