// A damaged or foreign data dir stops `mcp-cluster start` with a message naming the file and
// what to do, instead of a node that silently starts as somebody else or forgets its promises.
// The node would listen on 127.0.0.1 only, with mDNS off; it stops before listening anyway.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI_PATH } from '../../src/harness/node-process.js'

function startWith (files: Record<string, string>, prepare?: (dataDir: string) => void): { status: number | null, stderr: string, dataDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'mcp-data-dir-'))
  const dataDir = join(root, 'data')
  mkdirSync(dataDir)
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dataDir, name), content)
  prepare?.(dataDir)
  try {
    const r = spawnSync(process.execPath, [CLI_PATH, 'start', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off', '--data-dir', dataDir, '--log-level', 'error'], {
      encoding: 'utf8', timeout: 30_000, env: { ...process.env, MCP_EXIT_WITH_PARENT: '1' }
    })
    return { status: r.status, stderr: r.stderr, dataDir }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

const cases: Array<[string, Record<string, string>, RegExp]> = [
  ['a corrupt identity key', { 'identity.key': 'this is not a key' }, /node identity .*identity\.key is corrupt or not a libp2p private key .*move it away to create a new identity/],
  ['an empty identity key', { 'identity.key': '' }, /node identity .*identity\.key is corrupt/],
  ['election state that is not JSON', { 'election.json': '{"promisedTerm": 3, "highest' }, /election state .*election\.json is corrupt \(not JSON\); .*move it away/],
  ['election state of something else', { 'election.json': '{"name": "my-app", "version": "1.0.0"}' }, /election state .*election\.json is not an mcp-cluster election state; move it away to start afresh/],
  ['election state with negative terms', { 'election.json': '{"promisedTerm": -1, "holder": null, "highestTerm": 2, "voters": null}' }, /is not an mcp-cluster election state/],
  ['election state naming ids no peer could have', { 'election.json': '{"promisedTerm": 1, "holder": "../../etc", "highestTerm": 2, "voters": null}' }, /is not an mcp-cluster election state/],
  ['election state with a broken voter change', { 'election.json': '{"promisedTerm": 1, "holder": null, "highestTerm": 2, "voters": ["b", "a"], "configVersion": 1, "configTerm": 1, "pending": null}' }, /has an invalid voter configuration \(.*sorted and unique.*\); move it away/]
]

for (const [what, files, message] of cases) {
  test(`start refuses ${what}, naming the file and what to do`, () => {
    const r = startWith(files)
    assert.notEqual(r.status, 0)
    assert.ok(r.stderr.includes(r.dataDir), `the message names the data dir: ${r.stderr}`)
    assert.match(r.stderr, message)
  })
}

test('start refuses an identity key it cannot read, naming it', () => {
  const r = startWith({}, dataDir => { mkdirSync(join(dataDir, 'identity.key')) })
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /cannot read node identity .*identity\.key/)
})
