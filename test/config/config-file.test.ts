import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveOptions } from '../../src/config/load.js'
import { problemsOf, tempFile } from './helpers.js'

test('a config file can set every kind of option', () => {
  const file = tempFile(JSON.stringify({
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    labels: { zone: 'lab' },
    resources: { gpu: 2 },
    placement: 'spread',
    heartbeatMs: 250,
    suspectMs: 750,
    deadMs: 1500
  }))
  const o = resolveOptions({ file, env: {} })
  assert.deepEqual([o.listen, o.mdns, o.labels, o.resources, o.placement], [['/ip4/127.0.0.1/tcp/0'], false, { zone: 'lab' }, { gpu: 2 }, 'spread'])
  assert.deepEqual([o.heartbeatMs, o.suspectMs, o.deadMs], [250, 750, 1500])
})

test('an unknown key is an error naming it and guessing what was meant', () => {
  const file = tempFile(JSON.stringify({ heartbeat: 100, colour: 'red' }))
  const problems = problemsOf(() => resolveOptions({ file, env: {} }))
  assert.deepEqual(problems, [
    `unknown option "heartbeat" in config file ${file} (did you mean "heartbeatMs"?)`,
    `unknown option "colour" in config file ${file}`
  ])
})

test('a wrong JSON type names the option, the value and the file', () => {
  const file = tempFile(JSON.stringify({ expect: '3', peers: '/ip4/1.2.3.4/tcp/1' }))
  assert.deepEqual(problemsOf(() => resolveOptions({ file, env: {} })), [
    `invalid option "peers": must be a list of multiaddrs such as /ip4/192.168.1.5/tcp/4001, got "/ip4/1.2.3.4/tcp/1" (from config file ${file})`,
    `invalid option "expect": must be an integer >= 1, got "3" (from config file ${file})`
  ])
})

test('unreadable, malformed and non-object files are reported, not thrown raw', () => {
  assert.match(problemsOf(() => resolveOptions({ file: '/nonexistent/mcp.json', env: {} }))[0] ?? '', /^cannot read config file \/nonexistent\/mcp.json: ENOENT/)
  assert.match(problemsOf(() => resolveOptions({ file: tempFile('{ expect: 3 }'), env: {} }))[0] ?? '', /^config file .* is not valid JSON: /)
  assert.match(problemsOf(() => resolveOptions({ file: tempFile('[1]'), env: {} }))[0] ?? '', /^config file .* must be an object of options, got an array$/)
  assert.match(problemsOf(() => resolveOptions({ file: tempFile('null'), env: {} }))[0] ?? '', /must be an object of options, got null$/)
})

test('a broken file does not hide problems in other sources', () => {
  const problems = problemsOf(() => resolveOptions({ file: tempFile('not json'), env: { MCP_EXPECT: 'x' } }))
  assert.equal(problems.length, 2)
})

test('unknown keys passed by library code are errors too', () => {
  const options = { expect: 1, mdsn: false } as Record<string, unknown>
  assert.deepEqual(problemsOf(() => resolveOptions({ env: {}, options })),
    ['unknown option "mdsn" in the options object (did you mean "mdns"?)'])
})
