import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveOptions } from '../../src/config/load.js'
import { problemsOf, tempFile } from './helpers.js'

const file = tempFile(JSON.stringify({
  expect: 5, slots: 2, cluster: 'from-file', labels: { zone: 'file' }, peers: ['/ip4/10.0.0.1/tcp/4001']
}))

test('an option not given anywhere keeps its default', () => {
  const o = resolveOptions({ env: {} })
  assert.equal(o.expect, 3)
  assert.equal(o.cluster, 'mcp-cluster')
})

test('config file < environment < flags, option by option', () => {
  const env = { MCP_SLOTS: '4', MCP_CLUSTER: 'from-env' }
  const o = resolveOptions({ file, env, flags: { cluster: 'from-flags' } })
  assert.equal(o.expect, 5, 'only the file sets expect')
  assert.equal(o.slots, 4, 'env beats file')
  assert.equal(o.cluster, 'from-flags', 'flags beat env and file')
})

test('library options beat env and file, and flags beat library options', () => {
  const env = { MCP_EXPECT: '7' }
  assert.equal(resolveOptions({ file, env, options: { expect: 1 } }).expect, 1)
  assert.equal(resolveOptions({ file, env, options: { expect: 1 }, flags: { expect: 9 } }).expect, 9)
})

test('a later source replaces a list or map whole instead of merging into it', () => {
  const o = resolveOptions({ file, env: { MCP_LABELS: 'rack=r1', MCP_PEERS: '/ip4/10.0.0.2/tcp/4001' } })
  assert.deepEqual(o.labels, { rack: 'r1' })
  assert.deepEqual(o.peers, ['/ip4/10.0.0.2/tcp/4001'])
})

test('MCP_CONFIG names the file when none is passed; an explicit file wins over it', () => {
  const other = tempFile(JSON.stringify({ expect: 2 }))
  assert.equal(resolveOptions({ env: { MCP_CONFIG: file } }).expect, 5)
  assert.equal(resolveOptions({ file: other, env: { MCP_CONFIG: file } }).expect, 2)
})

test('an empty environment variable counts as unset', () => {
  const o = resolveOptions({ file, env: { MCP_EXPECT: '', MCP_CLUSTER: '  ' } })
  assert.equal(o.expect, 5)
  assert.equal(o.cluster, 'from-file')
})

test('undefined in library options means "not given", not "clear it"', () => {
  assert.equal(resolveOptions({ env: { MCP_EXPECT: '4' }, options: { expect: undefined } }).expect, 4)
})

test('messages say which source a bad value came from', () => {
  const bad = tempFile(JSON.stringify({ expect: 0 }))
  assert.match(problemsOf(() => resolveOptions({ file: bad, env: {} }))[0] ?? '', /\(from config file .*config\.json\)$/)
  assert.match(problemsOf(() => resolveOptions({ env: { MCP_EXPECT: '0' } }))[0] ?? '', /\(from MCP_EXPECT\)$/)
  assert.match(problemsOf(() => resolveOptions({ env: {}, options: { expect: 0 } }))[0] ?? '', /\(from the options object\)$/)
  assert.match(problemsOf(() => resolveOptions({ env: {}, flags: { expect: 0 } }))[0] ?? '', /\(from --expect\)$/)
})

test('the resolved options do not share arrays or maps with the caller', () => {
  const listen = ['/ip4/127.0.0.1/tcp/0']
  const labels = { zone: 'a' }
  const o = resolveOptions({ env: {}, options: { listen, labels } })
  listen.push('/ip4/127.0.0.1/tcp/1')
  labels.zone = 'b'
  assert.deepEqual(o.listen, ['/ip4/127.0.0.1/tcp/0'])
  assert.deepEqual(o.labels, { zone: 'a' })
})

test('every problem from every source is listed in one ConfigError', () => {
  const bad = tempFile(JSON.stringify({ expekt: 3 }))
  const problems = problemsOf(() => resolveOptions({
    file: bad,
    env: { MCP_SLOTS: 'many' },
    options: { cluster: 'Bad Name' },
    flags: { heartbeatMs: 2000 }
  }))
  assert.equal(problems.length, 4, problems.join('\n'))
  assert.ok(problems.some(p => p.includes('"expekt"')))
  assert.ok(problems.some(p => p.includes('MCP_SLOTS')))
  assert.ok(problems.some(p => p.includes('"cluster"')))
  assert.ok(problems.some(p => p.startsWith('suspectMs (1500, default) must be greater than heartbeatMs (2000, from --heartbeat-ms)')))
})
