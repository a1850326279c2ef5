import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI_PATH } from '../../src/harness/node-process.js'

function start (args: string[]): { status: number | null, stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-start-'))
  try {
    const r = spawnSync(process.execPath, [CLI_PATH, 'start', '--no-mdns', '--data-dir', dir, '--log-level', 'error', ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, MCP_EXIT_WITH_PARENT: '1' } })
    return { status: r.status, stderr: r.stderr }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function occupiedPort (): Promise<{ server: Server, port: number }> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as { port: number }).port }
}

test('start refuses bad options with a message naming each problem', () => {
  const r = start(['--listen', '/ip4/1.2.3/tcp/1', '--expect', '0', '--http', 'off'])
  assert.equal(r.status, 1)
  assert.match(r.stderr, /invalid option "expect": must be an integer >= 1, got 0 \(from --expect\)/)
  assert.match(r.stderr, /"\/ip4\/1\.2\.3\/tcp\/1" is not a valid multiaddr/)
})

test('start says clearly when the listen port or the HTTP port is in use', async () => {
  const { server, port } = await occupiedPort()
  try {
    const p2p = start(['--listen', `/ip4/127.0.0.1/tcp/${port}`, '--http', 'off'])
    assert.equal(p2p.status, 1)
    assert.match(p2p.stderr, new RegExp(`cannot listen on /ip4/127.0.0.1/tcp/${port}: address in use`))
    const http = start(['--listen', '/ip4/127.0.0.1/tcp/0', '--http', `127.0.0.1:${port}`])
    assert.equal(http.status, 1)
    assert.match(http.stderr, new RegExp(`cannot serve HTTP on 127.0.0.1:${port}: port in use`))
  } finally {
    server.close()
  }
})
