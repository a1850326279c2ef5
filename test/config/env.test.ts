// Option parsing only: no node starts here, so nothing multicasts in any network namespace.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readEnvOptions } from '../../src/config/env-options.js'
import { envName } from '../../src/config/names.js'
import { resolveOptions } from '../../src/config/load.js'
import { optionKeys } from '../../src/config/option-specs.js'
import { problemsOf } from './helpers.js'

test('env names derive mechanically from option names', () => {
  assert.equal(envName('heartbeatMs'), 'MCP_HEARTBEAT_MS')
  assert.equal(envName('replaceDeadVoterAfterMs'), 'MCP_REPLACE_DEAD_VOTER_AFTER_MS')
  assert.equal(envName('httpToken'), 'MCP_HTTP_TOKEN')
  assert.equal(envName('peers'), 'MCP_PEERS')
  assert.equal(new Set(optionKeys.map(envName)).size, optionKeys.length)
})

test('every kind of value is read from its variable', () => {
  const o = resolveOptions({
    env: {
      MCP_LISTEN: '/ip4/127.0.0.1/tcp/0, /ip4/127.0.0.1/tcp/9000',
      MCP_MDNS: 'FALSE',
      MCP_MASTER_TASKS: '0',
      MCP_BUILTIN_TASKS: '1',
      MCP_EXPECT: '5',
      MCP_CPUS: '1.5',
      MCP_LABELS: 'zone=lab, rack = r1',
      MCP_RESOURCES: 'gpu=1,tpu=2.5',
      MCP_PLACEMENT: 'binpack',
      MCP_LOG_LEVEL: 'debug',
      MCP_HTTP: '0.0.0.0:8080',
      MCP_HTTP_TOKEN: 'tok',
      MCP_SECRET_FILE: '/etc/mcp/psk'
    }
  })
  assert.deepEqual(o.listen, ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/9000'])
  assert.deepEqual([o.mdns, o.masterTasks, o.builtinTasks], [false, false, true])
  assert.equal(o.expect, 5)
  assert.equal(o.cpus, 1.5)
  assert.deepEqual(o.labels, { zone: 'lab', rack: 'r1' })
  assert.deepEqual(o.resources, { gpu: 1, tpu: 2.5 })
  assert.equal(o.placement, 'binpack')
  assert.equal(o.logLevel, 'debug')
  assert.equal(o.httpToken, 'tok')
  assert.equal(o.secretFile, '/etc/mcp/psk')
})

test('a value that does not parse names the option, the raw text and the variable', () => {
  assert.deepEqual(problemsOf(() => resolveOptions({ env: { MCP_EXPECT: 'abc' } })),
    ['invalid option "expect": must be an integer >= 1, got "abc" (from MCP_EXPECT)'])
  assert.deepEqual(problemsOf(() => resolveOptions({ env: { MCP_MDNS: 'yes' } })),
    ['invalid option "mdns": must be true or false, got "yes" (from MCP_MDNS)'])
  assert.match(problemsOf(() => resolveOptions({ env: { MCP_RESOURCES: 'gpu=lots' } }))[0] ?? '', /"resources".*got "gpu=lots" \(from MCP_RESOURCES\)$/)
  assert.match(problemsOf(() => resolveOptions({ env: { MCP_LABELS: 'zone' } }))[0] ?? '', /"labels".*got "zone" \(from MCP_LABELS\)$/)
  assert.match(problemsOf(() => resolveOptions({ env: { MCP_HEARTBEAT_MS: '1e3' } }))[0] ?? '', /\(from MCP_HEARTBEAT_MS\)$/)
})

test('a range error in a well-formed value also names the variable', () => {
  assert.deepEqual(problemsOf(() => resolveOptions({ env: { MCP_SLOTS: '-2' } })),
    ['invalid option "slots": must be an integer >= 0, got -2 (from MCP_SLOTS)'])
})

test('unknown MCP_* variables are warnings, with a suggestion, never errors', () => {
  const warnings: string[] = []
  const o = resolveOptions({ env: { MCP_HEARTBEATMS: '100', MCP_SERVER_URL: 'x', OTHER: 'y', MCP_CONFIG: '' }, onWarning: w => warnings.push(w) })
  assert.equal(o.heartbeatMs, 500)
  assert.deepEqual(warnings, [
    'ignoring unknown environment variable MCP_HEARTBEATMS (did you mean MCP_HEARTBEAT_MS?)',
    'ignoring unknown environment variable MCP_SERVER_URL'
  ])
})

test('readEnvOptions reads only known variables and does not apply defaults', () => {
  const r = readEnvOptions({ MCP_EXPECT: '2', HOME: '/h', MCP_CONFIG: '/c.json' })
  assert.deepEqual(r, { values: { expect: 2 }, problems: [], warnings: [] })
})
